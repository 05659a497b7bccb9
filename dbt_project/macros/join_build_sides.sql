{#
    Hooks of a model whose joins put the smaller input on the right, where the engine should
    hash it. DuckDB hashes whichever input it estimates smaller, and its estimates of generated
    day grids are far off: in customer_daily_metrics it took the 40-million-row output grid of
    a 50-day window at a million customers (estimated at 336 thousand rows) for the smaller
    input of its join to the experience signals, and ran out of memory hashing it
    (docs/benchmarks.md). Between these hooks, DuckDB hashes every join's right input as
    written. Spark plans its joins from its own statistics: a no-op there.
#}
{% macro hash_right_join_inputs() -%}
    {{ return(adapter.dispatch('hash_right_join_inputs', 'customer360')()) }}
{%- endmacro %}
{% macro default__hash_right_join_inputs() -%}
    select 1
{%- endmacro %}
{% macro duckdb__hash_right_join_inputs() -%}
    set disabled_optimizers = 'build_side_probe_side'
{%- endmacro %}

{% macro plan_join_inputs_by_estimate() -%}
    {{ return(adapter.dispatch('plan_join_inputs_by_estimate', 'customer360')()) }}
{%- endmacro %}
{% macro default__plan_join_inputs_by_estimate() -%}
    select 1
{%- endmacro %}
{% macro duckdb__plan_join_inputs_by_estimate() -%}
    reset disabled_optimizers
{%- endmacro %}
