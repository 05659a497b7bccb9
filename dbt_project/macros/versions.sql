{#
    Versions of a keyed record. A key may land on several days (snapshot entities are
    re-delivered when they change, a file may be re-delivered): the version with the
    latest landing day (_partition_date), then the highest _row_number (then the
    greatest _source_file, for determinism) wins.

    Besides the latest version, staging keeps *first landing* facts of each key
    (first_landed_date, the landing day of the first version where a condition held and
    the values of that version). They never change when later data lands, which is what
    makes the window-incremental marts reproducible: a backfill of day D sees the same
    facts as the nightly run of D did.
#}

{#
    1 for the latest version of each key (use in a subquery, then filter = 1). The filter makes
    the key unique by construction, which is why the staging keys carry no `unique` test (it
    could not fail, and it re-read the whole history every night). For the same reason their
    references are tested on the rows landed in the run (tests/generic/landed_relationships.sql).
#}
{% macro latest_version_rank(key_columns) -%}
    row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by _partition_date desc, _row_number desc, _source_file desc
    )
{%- endmacro %}

{# The first landing day of each key. #}
{% macro first_landed_date(key_columns) -%}
    min(_partition_date) over (partition by {{ key_columns | join(', ') }})
{%- endmacro %}

{# The landing day of the first version where `condition` holds (NULL if none). #}
{% macro first_landed_where(condition, key_columns) -%}
    min(case when {{ condition }} then _partition_date end) over (partition by {{ key_columns | join(', ') }})
{%- endmacro %}

{#
    The value of `expr` in the first version (in landing order) where `condition` holds.
    Only meaningful when first_landed_where(condition) is not NULL.
#}
{% macro value_at_first_where(expr, condition, key_columns) -%}
    first_value({{ expr }}) over (
        partition by {{ key_columns | join(', ') }}
        order by case when {{ condition }} then 0 else 1 end, _partition_date, _row_number, _source_file
        rows between unbounded preceding and unbounded following
    )
{%- endmacro %}

{# The value of `expr` in the first version of each key. #}
{% macro value_at_first_version(expr, key_columns) -%}
    {{ value_at_first_where(expr, '1 = 1', key_columns) }}
{%- endmacro %}

{#
    The keys of `relation` (a landed source: _partition_date, _row_number, _source_file) that
    first landed in the run's landing window, each as the latest version of its first landing
    day. Meant for append-only facts (events), built incrementally: a run reads the window's
    rows and, of earlier history, only the key and landing-day columns of the keys it saw (no
    window function over every version ever landed). A key's row does not depend on the window
    it is built in, so a backfill and the nightly runs agree; a re-delivery after the first
    landing day does not change it.
#}
{% macro first_landings_in_window(relation, key_column) -%}
    with

    window_versions as (

        select * from {{ relation }}
        where {{ in_landing_window('_partition_date') }}

    ),

    landed_before as (

        select distinct {{ key_column }}
        from {{ relation }}
        where _partition_date < {{ window_start() }}
            and {{ key_column }} in (select {{ key_column }} from window_versions)

    ),

    new_keys as (

        select
            window_versions.*,
            min(_partition_date) over (partition by {{ key_column }}) as first_landed_date,
            row_number() over (
                partition by {{ key_column }}, _partition_date
                order by _row_number desc, _source_file desc
            ) as day_version_rank
        from window_versions
        where not exists (
            select 1 from landed_before where landed_before.{{ key_column }} = window_versions.{{ key_column }}
        )

    )

    select * from new_keys
    where _partition_date = first_landed_date and day_version_rank = 1
{%- endmacro %}
