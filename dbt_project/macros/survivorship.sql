{#
    Survivorship rank of a record for one golden-record field: 1 = the record whose value
    wins. Order: records with a usable value first (has_value), then by the field's source
    priority (systems, best first; other systems last), then the most recently landed,
    then the most recently updated record; ties broken by the record key.
#}
{% macro survivorship_rank(partition_by, systems, has_value) -%}
    row_number() over (
        partition by {{ partition_by }}
        order by
            case when {{ has_value }} then 0 else 1 end,
            case source_system
            {%- for system in systems %}
                when '{{ system }}' then {{ loop.index }}
            {%- endfor %}
                else 99
            end,
            last_landed_date desc,
            last_updated_at desc,
            source_system,
            source_record_id
    )
{%- endmacro %}
