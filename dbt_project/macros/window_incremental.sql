{#
    The DuckDB materialization of the window-incremental models (incremental_window_config):
    a run replaces the rows of its landing window, i.e. those whose `landing_window_column`
    lies in [min_date, max_date), by the model's rows, in one transaction. dbt-duckdb's
    incremental materialization writes the run's rows into a temporary table first and then
    deletes the keys found there and copies them over: for a backfill window of 74 days at a
    million customers, 199 s to fill the temporary table of customer_daily_metrics and 82 s
    more to delete and insert (docs/benchmarks.md). Here the rows go into the table once.
    A model's rows must all lie in its window (the dbt tests of the run read them by that
    column); like on_schema_change 'fail', a model whose columns no longer match the table's
    stops the run. A first build and a full refresh are dbt-duckdb's.
#}
{% materialization window_incremental, adapter='duckdb' %}

    {%- set existing_relation = load_cached_relation(this) -%}
    {%- if existing_relation is none or existing_relation.is_view or should_full_refresh() -%}
        {{ return(materialization_incremental_duckdb()) }}
    {%- endif -%}

    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set window_column = config.get('meta', {}).get('landing_window_column') -%}
    {%- if not window_column -%}
        {{ exceptions.raise_compiler_error("window_incremental needs meta.landing_window_column (incremental_window_config)") }}
    {%- endif -%}

    {#- DESCRIBE plans the query without running it, and names the table's types alike. -#}
    {%- set built = _described('(' ~ compiled_code ~ '\n)') -%}
    {%- set existing = _described(target_relation) -%}
    {%- if built != existing -%}
        {{ exceptions.raise_compiler_error(
            "The columns of " ~ this ~ " changed (model: " ~ built ~ "; table: " ~ existing
            ~ "). Rebuild it with --full-refresh.") }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(existing | map(attribute=0)) -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {% call statement('window_delete') -%}
        delete from {{ target_relation }} where {{ in_landing_window(adapter.quote(window_column)) }}
    {%- endcall %}
    {% call statement('main') -%}
        insert into {{ target_relation }} ({{ columns }})
        select {{ columns }} from (
            {{ compiled_code }}
        )
    {%- endcall %}

    {% do persist_docs(target_relation, model) %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}

{# [(name, type)] of each column of a relation or a parenthesised query. #}
{% macro _described(relation_or_query) -%}
    {%- set columns = [] -%}
    {%- for row in run_query('describe ' ~ relation_or_query) -%}
        {%- do columns.append((row[0], row[1])) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}
