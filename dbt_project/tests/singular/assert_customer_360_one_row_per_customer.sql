{{ config(meta={'dagster': {'ref': {'name': 'customer_360'}}}) }}
-- customer_360 has exactly one row per dim_customer row (same ids, no duplicates).
with customers as (
    select customer_id from {{ ref('dim_customer') }}
),
wide as (
    select customer_id, count(*) as n_rows from {{ ref('customer_360') }} group by customer_id
)
select coalesce(customers.customer_id, wide.customer_id) as customer_id, wide.n_rows
from customers
full outer join wide
    on customers.customer_id = wide.customer_id
where customers.customer_id is null
   or wide.customer_id is null
   or wide.n_rows <> 1
