{#
    Every purchased order line with its customer and the day it became known (the later of
    the order's and the line's first landing), for next-best-offer: the customer's spend by
    category and, in product mode, their own purchase history. Cancelled orders and return
    lines are left out: they say what a customer did not keep.
#}
with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

order_lines as (

    select * from {{ ref('stg_sales__order_lines') }}

),

products as (

    select * from {{ ref('stg_sales__products') }}

),

identity_map as (

    select * from {{ ref('customer_identity_map') }}
    where source_system = 'sales'

),

final as (

    select
        identity_map.customer_id,
        order_lines.order_id,
        order_lines.line_number,
        order_lines.product_id,
        products.product_category,
        orders.order_date,
        case
            when order_lines.first_landed_date > orders.first_landed_date then order_lines.first_landed_date
            else orders.first_landed_date
        end as known_date,
        order_lines.quantity,
        cast(order_lines.line_amount as {{ type_double() }}) as line_amount
    from order_lines
    inner join orders
        on orders.order_id = order_lines.order_id
    inner join identity_map
        on identity_map.source_record_id = orders.crm_id
    left join products
        on products.product_id = order_lines.product_id
    where not orders.is_cancelled
      and order_lines.quantity > 0

)

select * from final
