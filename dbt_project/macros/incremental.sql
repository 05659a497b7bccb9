{#
    Config of the window-incremental models, dispatched per engine: the rows of a run
    replace those of the same partition values (a landing day or a metric date).
      - default: delete+insert keyed on the partition column, i.e. the target's rows for
        the dates present in the new batch are deleted first.
      - DuckDB: the rows of the run's landing window replaced, written once
        (macros/window_incremental.sql).
      - Spark: insert_overwrite of the partitions (dynamic partition overwrite), parquet.
    window_column: the column whose value is a landing day of the run that wrote the row, when
    it is not the partition column itself (the dbt tests read only the run's rows by it).
    Usage: {{ config(**incremental_window_config('date')) }}
#}
{% macro incremental_window_config(partition_column, window_column=none) -%}
    {%- set config = adapter.dispatch('incremental_window_config', 'customer360')(partition_column) -%}
    {%- do config.update({
        'tags': ['incremental', 'landing_window'],
        'meta': {'landing_window_column': window_column or partition_column},
    }) -%}
    {{ return(config) }}
{%- endmacro %}

{% macro default__incremental_window_config(partition_column) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': partition_column,
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}

{# window_incremental deletes by the landing-window column and compares the columns itself:
   no unique_key, strategy or on_schema_change to set. #}
{% macro duckdb__incremental_window_config(partition_column) -%}
    {{ return({'materialized': 'window_incremental'}) }}
{%- endmacro %}

{% macro spark__incremental_window_config(partition_column) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [partition_column],
        'file_format': 'parquet',
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}

{#
    Rows written in the order of `column`. DuckDB skips a row group when its min/max of a
    filtered column lies outside the filter, so a table written day after day is read a day
    at a time; a backfill writes all its days in one statement, though, and without an order
    every row group held nearly every day of it (churn scoring read a whole year to score one day).
    Spark partitions the incremental tables by that column instead: nothing to add there.
    Usage: select * from final {{ clustered_by('as_of_date') }}
#}
{% macro clustered_by(column) -%}
    {{ return(adapter.dispatch('clustered_by', 'customer360')(column)) }}
{%- endmacro %}

{% macro default__clustered_by(column) -%}
    order by {{ column }}
{%- endmacro %}

{% macro spark__clustered_by(column) -%}
{%- endmacro %}
