{#
    The model has as many rows as compare_model — or, with count_distinct /
    compare_count_distinct, as many distinct values of those columns (e.g. one
    customer_360 row per dim_customer row; one KPI row per metrics date). Both sides read the
    run's rows of a window-incremental model (macros/test_window.sql).
#}
{% test row_count_equals(model, compare_model, count_distinct=none, compare_count_distinct=none) %}
with actual as (
    select count({{ 'distinct ' ~ count_distinct if count_distinct else '*' }}) as n from {{ model }}
),
expected as (
    select count({{ 'distinct ' ~ compare_count_distinct if compare_count_distinct else '*' }}) as n
    from {{ get_where_subquery(compare_model) }}
)
select actual.n as actual_rows, expected.n as expected_rows
from actual
cross join expected
where actual.n <> expected.n
{% endtest %}
