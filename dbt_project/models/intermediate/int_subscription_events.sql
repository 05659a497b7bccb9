{#
    Subscription events derived from consecutive versions (landing order), each known on
    the landing day of the version that shows it:
      first version                     → started (MRR of the version); if it is already
                                          cancelled, also cancelled (same MRR)
      active → active with another MRR  → changed (amount = MRR difference, e.g. upgrade)
      active → cancelled                → cancelled (amount = the MRR that was active)
      cancelled → active                → started (reactivation)
    So Σ started − Σ cancelled + Σ changed amounts is the MRR, and started − cancelled
    the number of active subscriptions, as known on any day.
#}
with

versions as (

    select * from {{ ref('stg_finance__subscription_versions') }}

),

events as (

    select
        subscription_version_id,
        subscription_id,
        account_id,
        'subscription_started' as event_type,
        case when version_number = 1 then started_at else updated_at end as event_at,
        mrr as mrr_amount,
        plan,
        landed_date
    from versions
    where subscription_status = 'active' and (version_number = 1 or previous_subscription_status = 'cancelled')
       or (version_number = 1 and subscription_status = 'cancelled')

    union all

    select
        subscription_version_id,
        subscription_id,
        account_id,
        'subscription_changed' as event_type,
        updated_at as event_at,
        mrr - previous_mrr as mrr_amount,
        plan,
        landed_date
    from versions
    where version_number > 1
      and subscription_status = 'active'
      and previous_subscription_status = 'active'
      and mrr <> previous_mrr

    union all

    select
        subscription_version_id,
        subscription_id,
        account_id,
        'subscription_cancelled' as event_type,
        coalesce(cancelled_at, updated_at) as event_at,
        case when version_number = 1 then mrr else previous_mrr end as mrr_amount,
        coalesce(previous_plan, plan) as plan,
        landed_date
    from versions
    where subscription_status = 'cancelled'
      and (version_number = 1 or previous_subscription_status = 'active')

)

select * from events
