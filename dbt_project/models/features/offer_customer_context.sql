{{ config(**incremental_window_config('as_of_date')) }}
{#
    What the next-best-offer rules and the acceptance model need to know about a customer on
    each as_of_date of the landing window, from what had landed by that day: current plan,
    contactability, offers shown and declined recently, and the categories the customer
    spends most on and browses most (shop pages are named /shop/<category>). One row per
    customer and as_of_date (the customers of churn_features) for the days offers are ranked
    for, the last backfill_scored_days of the run (all of a nightly run's; a run built in several
    windows passes its last day as run_last_day to each), and for the day
    before each offer exposure (its training example's context): a row costs a join with a
    year of the customer's purchases and shop views, too much for every day of a long backfill.
    Consent is the most recently updated contact version in force on the day; country comes
    from the golden record (dim_customer), which is current, not point-in-time.
#}
{%- set period_days = var('nbo_period_days') -%}
{%- set cooldown_days = var('nbo_decline_cooldown_days') -%}
{%- set lookback_days = var('nbo_category_lookback_days') -%}
{%- set longest_days = [period_days, cooldown_days] | max -%}

with

-- the day before each offer exposure: the context its training example reads
exposure_eves as (

    {{ offer_exposure_eves() }}

),

as_of as (

    select features.as_of_date, features.customer_id, features.is_subscriber, features.days_since_last_purchase
    from {{ ref('churn_features') }} as features
    left join exposure_eves
        on exposure_eves.customer_id = features.customer_id
        and exposure_eves.as_of_date = features.as_of_date
    where {{ in_landing_window('features.as_of_date') }}
      and ({{ is_scored_day('features.as_of_date') }} or exposure_eves.customer_id is not null)

),

customers as (

    select customer_id, country from {{ ref('dim_customer') }}

),

consents as (

    select identity_map.customer_id, versions.contact_id, versions.marketing_opt_in, versions.updated_at,
        versions.valid_from, versions.valid_to
    from {{ ref('stg_marketing__contact_consents') }} as versions
    inner join {{ ref('customer_identity_map') }} as identity_map
        on identity_map.source_system = 'marketing'
        and identity_map.source_record_id = versions.contact_id
    where versions.marketing_opt_in is not null
      and {{ landed_before_window_end('versions.valid_from') }}

),

consent_as_of as (

    select
        as_of.customer_id,
        as_of.as_of_date,
        consents.marketing_opt_in,
        row_number() over (
            partition by as_of.customer_id, as_of.as_of_date
            order by consents.updated_at desc, consents.valid_from desc, consents.contact_id
        ) as recency_rank
    from as_of
    inner join consents
        on consents.customer_id = as_of.customer_id
        and consents.valid_from <= as_of.as_of_date
        and (consents.valid_to is null or consents.valid_to > as_of.as_of_date)

),

activity as (

    select customer_id, known_date, activity_at, activity_type, detail
    from {{ ref('fct_customer_activity') }}
    where customer_id is not null
      and activity_type in (
          'subscription_started', 'subscription_changed', 'email_unsubscribe', 'offer_exposed', 'offer_declined'
      )
      and {{ landed_before_window_end('known_date') }}

),

purchases as (

    select customer_id, known_date, order_date, product_category, line_amount
    from {{ ref('customer_product_purchases') }}
    where {{ landed_before_window_end('known_date') }}
      and order_date >= {{ dbt.dateadd('day', -lookback_days, window_start()) }}

),

plans as (

    select
        as_of.customer_id,
        as_of.as_of_date,
        activity.detail as plan,
        row_number() over (
            partition by as_of.customer_id, as_of.as_of_date
            order by activity.activity_at desc, activity.detail
        ) as recency_rank
    from as_of
    inner join activity
        on activity.customer_id = as_of.customer_id
        and activity.known_date <= as_of.as_of_date
        and activity.activity_type in ('subscription_started', 'subscription_changed')
    where as_of.is_subscriber

),

unsubscribed as (

    select customer_id, min(known_date) as unsubscribed_date
    from activity
    where activity_type = 'email_unsubscribe'
    group by customer_id

),

recent_offers as (

    select
        as_of.customer_id,
        as_of.as_of_date,
        activity.activity_type,
        activity.detail as offer_id,
        count(*) as offers
    from as_of
    inner join activity
        on activity.customer_id = as_of.customer_id
        and activity.known_date <= as_of.as_of_date
        and activity.known_date > {{ dbt.dateadd('day', -longest_days, 'as_of.as_of_date') }}
        and activity.activity_type in ('offer_exposed', 'offer_declined')
    where (activity.activity_type = 'offer_exposed'
            and activity.known_date > {{ dbt.dateadd('day', -period_days, 'as_of.as_of_date') }})
        or (activity.activity_type = 'offer_declined'
            and activity.known_date > {{ dbt.dateadd('day', -cooldown_days, 'as_of.as_of_date') }})
    group by as_of.customer_id, as_of.as_of_date, activity.activity_type, activity.detail

),

offer_history as (

    select
        customer_id,
        as_of_date,
        sum(case when activity_type = 'offer_exposed' then offers else 0 end) as offers_shown_in_period,
        {{ listagg_sorted("case when activity_type = 'offer_declined' then offer_id end", "','") }}
            as declined_offer_ids
    from recent_offers
    group by customer_id, as_of_date

),

shop_views as (

    select
        customer_id,
        known_date,
        {{ dbt.replace('detail', "'/shop/'", "''") }} as product_category,
        count(*) as views
    from {{ ref('fct_customer_activity') }}
    where activity_type = 'web_page_view'
      and detail like '/shop/%'
      and {{ landed_before_window_end('known_date') }}
      and known_date > {{ dbt.dateadd('day', -lookback_days, window_start()) }}
    group by 1, 2, 3

),

category_views as (

    select
        as_of.customer_id,
        as_of.as_of_date,
        shop_views.product_category,
        sum(shop_views.views) as views
    from as_of
    inner join shop_views
        on shop_views.customer_id = as_of.customer_id
        and shop_views.known_date <= as_of.as_of_date
        and shop_views.known_date > {{ dbt.dateadd('day', -lookback_days, 'as_of.as_of_date') }}
    group by as_of.customer_id, as_of.as_of_date, shop_views.product_category

),

top_viewed as (

    {{ top_two_categories('category_views', 'views', 'viewed_') }}

),

category_spend as (

    select
        as_of.customer_id,
        as_of.as_of_date,
        purchases.product_category,
        -- in cents: an exact sum, the same whatever order the rows come in
        sum({{ in_cents('purchases.line_amount') }}) as spend
    from as_of
    inner join purchases
        on purchases.customer_id = as_of.customer_id
        and purchases.known_date <= as_of.as_of_date
        and purchases.order_date > {{ dbt.dateadd('day', -lookback_days, 'as_of.as_of_date') }}
    where purchases.product_category is not null
    group by as_of.customer_id, as_of.as_of_date, purchases.product_category

),

top_categories as (

    {{ top_two_categories('category_spend', 'spend', '') }}

),

final as (

    select
        as_of.as_of_date,
        as_of.customer_id,
        as_of.is_subscriber,
        cast(plans.plan as {{ dbt.type_string() }}) as plan,
        cast(customers.country as {{ dbt.type_string() }}) as country,
        coalesce(consent_as_of.marketing_opt_in, false) as marketing_opt_in,
        coalesce(unsubscribed.unsubscribed_date <= as_of.as_of_date, false) as unsubscribed,
        as_of.days_since_last_purchase,
        cast(coalesce(offer_history.offers_shown_in_period, 0) as {{ dbt.type_int() }}) as offers_shown_in_period,
        cast(coalesce(offer_history.declined_offer_ids, '') as {{ dbt.type_string() }}) as declined_offer_ids,
        cast(top_categories.top_category as {{ dbt.type_string() }}) as top_category,
        cast(coalesce(top_categories.top_category_share, 0) as {{ type_double() }}) as top_category_share,
        cast(top_categories.second_category as {{ dbt.type_string() }}) as second_category,
        cast(coalesce(top_categories.second_category_share, 0) as {{ type_double() }}) as second_category_share,
        cast(top_viewed.top_viewed_category as {{ dbt.type_string() }}) as top_viewed_category,
        cast(coalesce(top_viewed.top_viewed_category_share, 0) as {{ type_double() }}) as top_viewed_category_share,
        cast(top_viewed.second_viewed_category as {{ dbt.type_string() }}) as second_viewed_category,
        cast(coalesce(top_viewed.second_viewed_category_share, 0) as {{ type_double() }}) as second_viewed_category_share
    from as_of
    left join customers
        on customers.customer_id = as_of.customer_id
    left join consent_as_of
        on consent_as_of.customer_id = as_of.customer_id
        and consent_as_of.as_of_date = as_of.as_of_date
        and consent_as_of.recency_rank = 1
    left join plans
        on plans.customer_id = as_of.customer_id
        and plans.as_of_date = as_of.as_of_date
        and plans.recency_rank = 1
    left join unsubscribed
        on unsubscribed.customer_id = as_of.customer_id
    left join offer_history
        on offer_history.customer_id = as_of.customer_id
        and offer_history.as_of_date = as_of.as_of_date
    left join top_categories
        on top_categories.customer_id = as_of.customer_id
        and top_categories.as_of_date = as_of.as_of_date
    left join top_viewed
        on top_viewed.customer_id = as_of.customer_id
        and top_viewed.as_of_date = as_of.as_of_date

)

select * from final
