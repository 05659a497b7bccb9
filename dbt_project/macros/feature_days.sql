{#
    The days the ML feature tables hold rows for. The daily ML outputs of a run are made for its
    last `backfill_scored_days` landing days (0: every day; config/pipeline.yml), a model trains
    on the snapshots of every `churn_snapshot_every_days`-th day since `churn_snapshot_start`
    (ml/churn/run.py), and an offer's training example reads its customer's features of the day
    before the exposure. A long run (a backfill) writes the feature rows of those days alone:
    the others would never be read.
#}

{# True when `column` is a day the run makes its daily ML outputs for. #}
{% macro is_scored_day(column) -%}
    {%- set scored_days = var('backfill_scored_days') | int -%}
    {%- if scored_days > 0 -%}
        {%- set run_last_day = "cast('" ~ var('run_last_day') ~ "' as date)" if var('run_last_day') else window_last_day() -%}
        {{ column }} > {{ dbt.dateadd('day', -scored_days, run_last_day) }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{# True when `column` is a day churn models train on. #}
{% macro is_churn_snapshot_day(column) -%}
    {{ dbt.datediff("cast('" ~ var('churn_snapshot_start') ~ "' as date)", column, 'day') }}
        % {{ var('churn_snapshot_every_days') | int }} = 0
{%- endmacro %}

{# True when the run writes only some of its days' feature rows (above). #}
{% macro writes_some_feature_days() -%}
    {%- set scored_days = var('backfill_scored_days') | int -%}
    {{ return(scored_days > 0 and window_days() > scored_days) }}
{%- endmacro %}

{# (customer_id, as_of_date): the day before each offer exposure of the landing window's days. #}
{% macro offer_exposure_eves() -%}
    select distinct
        identity_map.customer_id,
        cast({{ dbt.dateadd('day', -1, to_date('exposures.exposed_at')) }} as date) as as_of_date
    from {{ ref('stg_marketing__offer_exposures') }} as exposures
    inner join {{ ref('customer_identity_map') }} as identity_map
        on identity_map.source_system = 'marketing'
        and identity_map.source_record_id = exposures.contact_id
    where {{ in_landing_window(dbt.dateadd('day', -1, to_date('exposures.exposed_at'))) }}
{%- endmacro %}
