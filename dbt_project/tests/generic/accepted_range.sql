{# The column lies within [min_value, max_value] (bounds optional; exclusive with inclusive=false; NULLs pass). #}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
{%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error("accepted_range needs min_value or max_value") }}
{%- endif -%}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and not (
    {%- if min_value is not none %}
        {{ column_name }} {{ '>=' if inclusive else '>' }} {{ min_value }}
    {%- endif %}
    {%- if min_value is not none and max_value is not none %} and {% endif %}
    {%- if max_value is not none %}
        {{ column_name }} {{ '<=' if inclusive else '<' }} {{ max_value }}
    {%- endif %}
  )
{% endtest %}
