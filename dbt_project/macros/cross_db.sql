{#
    Engine-specific SQL lives here, behind adapter.dispatch, so the models stay portable
    (DuckDB today, Spark later). Everything else uses dbt's cross-database macros
    (dbt.dateadd, dbt.datediff, dbt.date_trunc, dbt.hash, dbt.split_part, dbt.type_*).
#}

{#
    For an import CTE read by several parts of a query: DuckDB materializes such a CTE whole
    before any reader's filter applies (every row of history, when it imports a fact table);
    "not materialized" lets each reader's filters reach the table scan. Other engines inline
    CTEs already.
#}
{% macro inlined() -%}
    {{ return(adapter.dispatch('inlined', 'customer360')()) }}
{%- endmacro %}
{% macro default__inlined() -%}{%- endmacro %}
{% macro duckdb__inlined() -%}
    not materialized
{%- endmacro %}

{# Replace every match of a regular expression (DuckDB needs the 'g' flag). #}
{% macro regex_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace_all', 'customer360')(expr, pattern, replacement)) }}
{%- endmacro %}
{% macro default__regex_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}
{% macro duckdb__regex_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}
{# Spark string literals treat a backslash as an escape: '\b' (a regex word boundary) is doubled. #}
{% macro spark__regex_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern | replace('\\', '\\\\') }}', '{{ replacement }}')
{%- endmacro %}

{# True when the expression matches the regular expression somewhere. #}
{% macro regex_matches(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'customer360')(expr, pattern)) }}
{%- endmacro %}
{% macro default__regex_matches(expr, pattern) -%}
    ({{ expr }} rlike '{{ pattern }}')
{%- endmacro %}
{% macro duckdb__regex_matches(expr, pattern) -%}
    regexp_matches({{ expr }}, '{{ pattern }}')
{%- endmacro %}
{% macro spark__regex_matches(expr, pattern) -%}
    ({{ expr }} rlike '{{ pattern | replace('\\', '\\\\') }}')
{%- endmacro %}

{# Remove diacritics (é → e). DuckDB has strip_accents; elsewhere a translate() table. #}
{% macro remove_accents(expr) -%}
    {{ return(adapter.dispatch('remove_accents', 'customer360')(expr)) }}
{%- endmacro %}
{% macro default__remove_accents(expr) -%}
    translate({{ expr }},
        'àáâãäåāçćčèéêëēėęìíîïīñńòóôõöøōùúûüūýÿžźżÀÁÂÃÄÅĀÇĆČÈÉÊËĒĖĘÌÍÎÏĪÑŃÒÓÔÕÖØŌÙÚÛÜŪÝŸŽŹŻ',
        'aaaaaaaccceeeeeeeiiiiinnooooooouuuuuyyzzzAAAAAAACCCEEEEEEEIIIIINNOOOOOOOUUUUUYYZZZ')
{%- endmacro %}
{% macro duckdb__remove_accents(expr) -%}
    strip_accents({{ expr }})
{%- endmacro %}

{# The values of an expression joined by a delimiter in ascending order (an aggregate; nulls skipped).
   dbt-spark's listagg ignores an order by clause, so Spark sorts the collected list itself. #}
{% macro listagg_sorted(measure, delimiter_text) -%}
    {{ return(adapter.dispatch('listagg_sorted', 'customer360')(measure, delimiter_text)) }}
{%- endmacro %}
{% macro default__listagg_sorted(measure, delimiter_text) -%}
    {{ dbt.listagg(measure, delimiter_text, "order by " ~ measure) }}
{%- endmacro %}
{% macro spark__listagg_sorted(measure, delimiter_text) -%}
    array_join(array_sort(collect_list({{ measure }})), {{ delimiter_text }})
{%- endmacro %}

{# Median of a numeric expression (an aggregate). #}
{% macro median(expr) -%}
    {{ return(adapter.dispatch('median', 'customer360')(expr)) }}
{%- endmacro %}
{% macro default__median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}
{% macro duckdb__median(expr) -%}
    median({{ expr }})
{%- endmacro %}
{% macro spark__median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}

{# 64-bit floating point type name. #}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'customer360')()) }}
{%- endmacro %}
{% macro default__type_double() -%}
    double
{%- endmacro %}

{# Whole hours (fractional) between two timestamps: second - first. #}
{% macro hours_between(first_ts, second_ts) -%}
    (cast({{ dbt.datediff(first_ts, second_ts, 'second') }} as {{ type_double() }}) / 3600.0)
{%- endmacro %}

{# Seconds since 1970-01-01 of a timestamp, as a bigint. #}
{% macro epoch_seconds(ts) -%}
    cast({{ dbt.datediff("cast('1970-01-01 00:00:00' as " ~ dbt.type_timestamp() ~ ")", ts, 'second') }} as {{ dbt.type_bigint() }})
{%- endmacro %}

{# Days since 1970-01-01 of a date: the order of RANGE frames counted in days (Spark's need a number). #}
{% macro epoch_days(date) -%}
    {{ dbt.datediff("cast('1970-01-01' as date)", date, 'day') }}
{%- endmacro %}

{# Cast to date (timestamps are naive UTC, so the UTC calendar day). #}
{% macro to_date(expr) -%}
    cast({{ expr }} as date)
{%- endmacro %}

{# Day numbers 1..upper_bound as a relation with column generated_number. #}
{% macro day_numbers(upper_bound=16384) -%}
    {{ dbt.generate_series(upper_bound) }}
{%- endmacro %}

{#
    Point every row of an activity table at the CURRENT customer id of its person-record
    (identity resolution may merge or split customers between runs). Runs as a post-hook
    of fct_customer_activity, so earlier windows never keep a retired customer id.
#}
{% macro remap_customer_ids(relation, identity_relation) -%}
    {{ return(adapter.dispatch('remap_customer_ids', 'customer360')(relation, identity_relation)) }}
{%- endmacro %}
{% macro default__remap_customer_ids(relation, identity_relation) -%}
    update {{ relation }} as activity
    set customer_id = identity_map.customer_id
    from {{ identity_relation }} as identity_map
    where identity_map.source_system = activity.source_system
      and identity_map.source_record_id = activity.source_record_id
      and (activity.customer_id is null or activity.customer_id <> identity_map.customer_id)
{%- endmacro %}
{% macro spark__remap_customer_ids(relation, identity_relation) -%}
    {# parquet tables cannot be updated in place: a --full-refresh re-attributes history #}
    select 1
{%- endmacro %}

{#
    Money and durations are summed as whole cents / seconds (integral doubles add exactly
    in any order), so sums do not depend on the engine's aggregation order and a rebuilt
    window equals the original bit for bit.
#}
{% macro in_cents(amount) -%}
    round(({{ amount }}) * 100)
{%- endmacro %}

{% macro in_seconds(hours) -%}
    round(({{ hours }}) * 3600)
{%- endmacro %}
