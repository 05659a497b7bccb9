{#
    Custom schema names are used as they are (staging, intermediate, marts), not prefixed
    with the target schema: BI users and the Python steps read marts.dim_customer,
    intermediate.int_identity_records, … on every target.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
