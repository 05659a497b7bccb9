{#
    Config of the window-incremental models, dispatched per engine: the rows of a run
    replace those of the same partition values (a landing day or a metric date).
      - DuckDB (and default): delete+insert keyed on the partition column, i.e. the
        target's rows for the dates present in the new batch are deleted first.
      - Spark: insert_overwrite of the partitions (dynamic partition overwrite), parquet.
    Usage: {{ config(**incremental_window_config('date')) }}
#}
{% macro incremental_window_config(partition_column) -%}
    {{ return(adapter.dispatch('incremental_window_config', 'customer360')(partition_column)) }}
{%- endmacro %}

{% macro default__incremental_window_config(partition_column) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': partition_column,
        'on_schema_change': 'fail',
        'tags': ['incremental', 'landing_window'],
    }) }}
{%- endmacro %}

{% macro spark__incremental_window_config(partition_column) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [partition_column],
        'file_format': 'parquet',
        'on_schema_change': 'fail',
        'tags': ['incremental', 'landing_window'],
    }) }}
{%- endmacro %}
