{#
    What int_customer_metric_states and customer_daily_metrics both read of a run, as CTEs:
      activities    the customers' activities landed before the window's end
      customers     every customer with its first-seen day
      bounds        window_start and grid_end, the run's first and last output day (the
                    landing window clipped to the first customer and to the last landing day
                    with data; no row's dates fall between them when there is no data), and
                    lookback_start, the first day of the longest rolling window of the first
      day_offsets   0, 1, 2, ...: a date plus an offset makes a day grid
      output_starts every customer known by grid_end, with its first output day (the
                    window's first day or, if later, its first-seen day)
    Usage: with {{ daily_metrics_window_ctes() }}, other_cte as (...)
#}
{% macro daily_metrics_window_ctes() %}
activities as {{ inlined() }} (

    select * from {{ ref('fct_customer_activity') }}
    where customer_id is not null
      and {{ landed_before_window_end('landed_date') }}

),

customers as (

    select customer_id, first_seen_date from {{ ref('dim_customer') }}

),

bounds as (

    select
        window_start,
        grid_end,
        {{ dbt.dateadd('day', -(metrics_lookback_days() - 1), 'window_start') }} as lookback_start
    from (
        select
            case
                when first_seen is not null and first_seen > {{ window_start() }} then first_seen
                else {{ window_start() }}
            end as window_start,
            case
                when data_end is null then null
                when data_end < {{ window_last_day() }} then data_end
                else {{ window_last_day() }}
            end as grid_end
        from (
            select
                (select min(first_seen_date) from customers) as first_seen,
                (select max(landed_date) from activities) as data_end
        ) extremes
    ) clipped

),

day_offsets as (

    select numbers.generated_number - 1 as day_offset
    from ({{ day_numbers() }}) numbers

),

output_starts as (

    select
        customers.customer_id,
        greatest(bounds.window_start, customers.first_seen_date) as output_start
    from customers
    cross join bounds
    where customers.first_seen_date <= bounds.grid_end
      and greatest(bounds.window_start, customers.first_seen_date) <= bounds.grid_end

)
{% endmacro %}

{# The longest rolling window of the daily metrics, in days: what a run reads before its first day. #}
{% macro metrics_lookback_days() -%}
    {{ return(90) }}
{%- endmacro %}

{#- The earliest day a run's lookback can start (bounds.lookback_start is never before it): a
    constant, which the table scans can skip older row groups by. -#}
{% macro earliest_metrics_lookback() -%}
    cast({{ dbt.dateadd('day', -(metrics_lookback_days() - 1), window_start()) }} as date)
{%- endmacro %}
