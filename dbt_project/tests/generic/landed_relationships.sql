{#
    Referential integrity where the data lands: every row of `landed` (the staging model's
    landed source) that landed in the run's window references a key of `to` (the parent's
    landed source) that has landed, in any version. On the staging views themselves the test
    would compute the latest version of every key ever landed on both sides, every night; the
    keys a parent's staging view holds are exactly the keys of its source. A full refresh's
    window is the whole history.
#}
{% test landed_relationships(model, column_name, landed, to, field) %}

select child.{{ column_name }}
from {{ landed }} as child
where {{ in_landing_window('child._partition_date') }}
    and child.{{ column_name }} is not null
    and not exists (
        select 1 from {{ to }} as parent
        where parent.{{ field }} = child.{{ column_name }}
    )

{% endtest %}
