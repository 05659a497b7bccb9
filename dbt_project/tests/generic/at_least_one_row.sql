{# The model is not empty. #}
{% test at_least_one_row(model) %}
select 1 as empty_model
from (select count(*) as n from {{ model }}) counted
where n = 0
{% endtest %}
