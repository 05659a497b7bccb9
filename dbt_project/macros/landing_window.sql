{#
    The landing window of a run: the half-open interval of LANDING days
    [var('min_date'), var('max_date')) that the orchestrator passes with --vars.
    Incremental models process only rows whose landing (knowledge) day is inside it and
    never use a row that landed on or after max_date, so re-running a window later (a
    backfill) reproduces what the nightly run of that window saw.
    Every model uses these macros; the filter lives nowhere else.
#}

{% macro _window_var(name) -%}
    {%- set value = var(name) | string | trim -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
        {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be a YYYY-MM-DD date, got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{# The first landing day of the window (inclusive), as a SQL date literal. #}
{% macro window_start() -%}
    {%- set start = _window_var('min_date') -%}
    {%- set end = _window_var('max_date') -%}
    {%- if start >= end -%}
        {{ exceptions.raise_compiler_error("empty landing window: min_date " ~ start ~ " must be before max_date " ~ end) }}
    {%- endif -%}
    cast('{{ start }}' as date)
{%- endmacro %}

{# The end of the window (exclusive), as a SQL date literal. #}
{% macro window_end() -%}
    cast('{{ _window_var('max_date') }}' as date)
{%- endmacro %}

{# The number of landing days in the window, at compile time: a model may take another way
   to the same rows for a night than for a backfill of months. #}
{% macro window_days() -%}
    {%- set start = modules.datetime.date.fromisoformat(_window_var('min_date')) -%}
    {%- set end = modules.datetime.date.fromisoformat(_window_var('max_date')) -%}
    {{ return((end - start).days) }}
{%- endmacro %}

{# The last landing day inside the window (inclusive). #}
{% macro window_last_day() -%}
    {{ dbt.dateadd('day', -1, window_end()) }}
{%- endmacro %}

{# The day before the window, as a SQL date: the last day of the run before it. #}
{% macro day_before_window() -%}
    cast({{ dbt.dateadd('day', -1, window_start()) }} as date)
{%- endmacro %}

{# True for a landing day inside the window: column >= min_date and column < max_date. #}
{% macro in_landing_window(column) -%}
    ({{ column }} >= {{ window_start() }} and {{ column }} < {{ window_end() }})
{%- endmacro %}

{# True for a landing day the run may know about: column < max_date (no future data). #}
{% macro landed_before_window_end(column) -%}
    ({{ column }} < {{ window_end() }})
{%- endmacro %}
