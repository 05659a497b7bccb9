{#
    Tests of the window-incremental models look at the rows the run wrote: a run (re)writes
    exactly the rows whose window column (macros/incremental.sql) is in the landing window,
    so the other rows were tested by the runs that wrote them. Without this the nightly tests
    would re-read the whole history, and their cost would grow with it. A full refresh passes
    the whole history as its window, and so does a run without window vars (the defaults).
    Overrides dbt's get_where_subquery, the hook through which generic tests read their model.
#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- if config.get('where') -%}
        {%- do conditions.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- set window_column = landing_window_column(relation) -%}
    {%- if window_column -%}
        {%- do conditions.append(in_landing_window(window_column)) -%}
    {%- endif -%}
    {%- if conditions -%}
        {% do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') %}
    {%- else -%}
        {% do return(relation) %}
    {%- endif -%}
{%- endmacro %}

{# The window column of a window-incremental model, else none. #}
{% macro landing_window_column(relation) -%}
    {%- if not execute or relation.identifier is none -%}
        {% do return(none) %}
    {%- endif -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and (node.alias or node.name) == relation.identifier
              and node.schema == relation.schema -%}
            {% do return(node.config.meta.get('landing_window_column')) %}
        {%- endif -%}
    {%- endfor -%}
    {% do return(none) %}
{%- endmacro %}
