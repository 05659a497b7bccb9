{#
    Hooks of a model whose table need not keep its query's row order. DuckDB writes the rows of
    a CREATE TABLE AS in the order its query yields them unless told otherwise, which took a
    quarter of int_customer_metric_states' time in a backfill window at a million customers
    (219 → 161 s) and a seventh of customer_daily_metrics' in a backfill of a year at 100
    thousand (79 → 68 s; docs/benchmarks.md). As a pre-hook, DuckDB may write the rows in any
    order; as a post-hook with `enabled=false`, it keeps the order again for the models that
    follow. Spark keeps no order: a no-op there.
#}
{% macro write_in_any_order(enabled=true) -%}
    {{ return(adapter.dispatch('write_in_any_order', 'customer360')(enabled)) }}
{%- endmacro %}
{% macro default__write_in_any_order(enabled) -%}
    select 1
{%- endmacro %}
{% macro duckdb__write_in_any_order(enabled) -%}
    {{ 'set preserve_insertion_order = false' if enabled else 'reset preserve_insertion_order' }}
{%- endmacro %}
