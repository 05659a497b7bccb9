{#
    Every delivered version of every contact's marketing consent: one row per contact and
    landing day (the last row of that day's file), valid from that landing day until the
    next version landed. What next-best-offer needs to know a customer's consent as of any
    day; stg_marketing__contacts keeps only the latest version.
#}
with

source as (

    select * from {{ source('marketing', 'contacts') }}

),

daily_versions as (

    select
        source.*,
        row_number() over (
            partition by contact_id, _partition_date
            order by _row_number desc, _source_file desc
        ) as day_rank
    from source

),

renamed as (

    select
        contact_id,
        marketing_opt_in,
        updated_at,
        _partition_date as valid_from,
        lead(_partition_date) over (partition by contact_id order by _partition_date) as valid_to
    from daily_versions
    where day_rank = 1

)

select * from renamed
