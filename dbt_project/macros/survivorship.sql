{#
    Survivorship rank of a record for one golden-record field group: 1 = the record whose
    value wins. `field_rule` is the group's entry of var('survivorship'): {rule, sources}.
    Records with a usable value (has_value) always come first; then, by rule:
      source_priority — the group's source order, then the most recently landed / updated;
      most_recent     — the most recently landed / updated, then the source order;
      most_complete   — the most fields filled (completeness, an integer expression), then the
                        source order, then the most recent.
    Ties are broken by the record key, so the winner never depends on the engine's row order.
#}
{% macro survivorship_rank(partition_by, field_rule, has_value, completeness='0') -%}
    {%- set rule = field_rule['rule'] -%}
    {%- if rule not in ['source_priority', 'most_recent', 'most_complete'] -%}
        {{ exceptions.raise_compiler_error("unknown survivorship rule '" ~ rule ~ "'") }}
    {%- endif -%}
    {%- set priority -%}
            case source_system
            {%- for system in field_rule['sources'] %}
                when '{{ system }}' then {{ loop.index }}
            {%- endfor %}
                else 99
            end
    {%- endset -%}
    {%- set recency = 'last_landed_date desc, last_updated_at desc' -%}
    row_number() over (
        partition by {{ partition_by }}
        order by
            case when {{ has_value }} then 0 else 1 end,
            {%- if rule == 'source_priority' %}
            {{ priority }},
            {{ recency }},
            {%- elif rule == 'most_recent' %}
            {{ recency }},
            {{ priority }},
            {%- else %}
            {{ completeness }} desc,
            {{ priority }},
            {{ recency }},
            {%- endif %}
            source_system,
            source_record_id
    )
{%- endmacro %}
