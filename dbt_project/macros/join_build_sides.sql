{#
    Hooks of a model whose joins put the smaller input on the right, where the engine should
    hash it. DuckDB hashes whichever input it estimates smaller, and its estimates of generated
    day grids are far off: in customer_daily_metrics it took the 40-million-row output grid of
    a 50-day window at a million customers (estimated at 336 thousand rows) for the smaller
    input of its join to the experience signals, and ran out of memory hashing it
    (docs/benchmarks.md). As a pre-hook, DuckDB hashes every join's right input as written; as a
    post-hook with `enabled=false`, it plans by its estimates again for the models that follow.
    Spark plans its joins from its own statistics: a no-op there.
#}
{% macro hash_join_inputs_as_written(enabled=true) -%}
    {{ return(adapter.dispatch('hash_join_inputs_as_written', 'customer360')(enabled)) }}
{%- endmacro %}
{% macro default__hash_join_inputs_as_written(enabled) -%}
    select 1
{%- endmacro %}
{% macro duckdb__hash_join_inputs_as_written(enabled) -%}
    {{ "set disabled_optimizers = 'build_side_probe_side'" if enabled else 'reset disabled_optimizers' }}
{%- endmacro %}
