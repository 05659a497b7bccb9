{#
    The two categories with the largest `measure` per customer and as_of_date in `relation`
    (customer_id, as_of_date, product_category, measure), with their shares of the total:
    columns top_<prefix>category, top_<prefix>category_share, second_<prefix>category,
    second_<prefix>category_share (models/features/offer_customer_context.sql).
#}
{% macro top_two_categories(relation, measure, prefix) -%}
    select
        customer_id,
        as_of_date,
        max(case when category_rank = 1 then product_category end) as top_{{ prefix }}category,
        max(case when category_rank = 1 then category_share end) as top_{{ prefix }}category_share,
        max(case when category_rank = 2 then product_category end) as second_{{ prefix }}category,
        max(case when category_rank = 2 then category_share end) as second_{{ prefix }}category_share
    from (
        select
            customer_id,
            as_of_date,
            product_category,
            {{ measure }} * 1.0 / nullif(sum({{ measure }}) over (partition by customer_id, as_of_date), 0)
                as category_share,
            row_number() over (
                partition by customer_id, as_of_date order by {{ measure }} desc, product_category
            ) as category_rank
        from {{ relation }}
    ) as ranked
    where category_rank <= 2
    group by customer_id, as_of_date
{%- endmacro %}
