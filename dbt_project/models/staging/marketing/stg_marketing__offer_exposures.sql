{%- set responded = "response in ('accepted', 'declined')" -%}
with

source as (

    select * from {{ source('marketing', 'offer_exposures') }}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['exposure_id']) }} as version_rank,
        {{ first_landed_date(['exposure_id']) }} as first_landed_date,
        {{ first_landed_where(responded, ['exposure_id']) }} as response_landed_date,
        {{ value_at_first_where('response', responded, ['exposure_id']) }} as first_response,
        {{ value_at_first_where('coalesce(responded_at, exposed_at)', responded, ['exposure_id']) }} as first_responded_at
    from source

),

renamed as (

    select
        exposure_id,
        contact_id,
        offer_id,
        channel,
        exposed_at,
        response,
        responded_at,
        exposure_policy,
        _partition_date as landed_date,
        first_landed_date,
        response_landed_date,
        case when response_landed_date is not null then first_response end as first_response,
        case when response_landed_date is not null then first_responded_at end as first_responded_at,
        _source_file as source_file,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from renamed
