{#
    One row per order with its totals from the order lines. A return is an order with
    negative lines (usually status 'returned'). `net_amount_at_landing` counts only the
    lines that had landed by the day the order header first landed: it is the amount the
    activity fact uses, so rebuilding any past window gives the same value.
#}
with

orders as (

    select * from {{ ref('stg_sales__orders') }}

),

order_lines as (

    select * from {{ ref('stg_sales__order_lines') }}

),

products as (

    select * from {{ ref('stg_sales__products') }}

),

line_totals as (

    select
        order_lines.order_id,
        count(*) as line_count,
        sum(order_lines.quantity) as item_quantity,
        sum(case when order_lines.line_amount > 0 then {{ in_cents('order_lines.line_amount') }} else 0 end) / 100.0 as gross_amount,
        sum(case when order_lines.line_amount < 0 then -{{ in_cents('order_lines.line_amount') }} else 0 end) / 100.0
            as returned_amount,
        sum({{ in_cents('order_lines.line_amount') }}) / 100.0 as net_amount,
        sum(
            case
                when order_lines.first_landed_date <= orders.first_landed_date
                    then {{ in_cents('order_lines.line_amount') }}
                else 0
            end
        ) / 100.0 as net_amount_at_landing,
        max(order_lines.first_landed_date) as last_line_landed_date,
        count(distinct products.product_category) as category_count,
        min(products.product_category) as main_product_category
    from order_lines
    inner join orders
        on order_lines.order_id = orders.order_id
    left join products
        on order_lines.product_id = products.product_id
    group by order_lines.order_id

),

enriched as (

    select
        orders.order_id,
        orders.crm_id,
        orders.ordered_at,
        {{ to_date('orders.ordered_at') }} as order_date,
        orders.order_channel,
        orders.order_status,
        orders.first_order_status,
        orders.currency,
        coalesce(line_totals.line_count, 0) as line_count,
        coalesce(line_totals.item_quantity, 0) as item_quantity,
        coalesce(line_totals.gross_amount, 0) as gross_amount,
        coalesce(line_totals.returned_amount, 0) as returned_amount,
        coalesce(line_totals.net_amount, 0) as net_amount,
        coalesce(line_totals.net_amount_at_landing, 0) as net_amount_at_landing,
        line_totals.category_count,
        line_totals.main_product_category,
        (orders.order_status = 'returned' or coalesce(line_totals.net_amount, 0) < 0) as is_return,
        orders.order_status = 'cancelled' as is_cancelled,
        orders.first_landed_date,
        orders.landed_date,
        line_totals.last_line_landed_date
    from orders
    left join line_totals
        on orders.order_id = line_totals.order_id

)

select * from enriched
