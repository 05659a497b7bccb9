{#
    Contracts on Spark. The yml declares the marts' column types in the names BI users see in
    DuckDB (varchar); Spark SQL has no unsized varchar and calls it string. dbt checks a contract
    by casting nulls to the declared types, so on Spark those casts use Spark's name; the other
    declared types (bigint, integer, double, boolean, date, timestamp) are the same in both.
#}
{% macro spark__get_empty_schema_sql(columns) %}
    {%- set spark_columns = {} -%}
    {%- for name in columns -%}
        {%- set column = columns[name].copy() -%}
        {%- if (column.get('data_type') or '') | lower == 'varchar' -%}
            {%- do column.update({'data_type': 'string'}) -%}
        {%- endif -%}
        {%- do spark_columns.update({name: column}) -%}
    {%- endfor -%}
    {{ return(default__get_empty_schema_sql(spark_columns)) }}
{% endmacro %}
