{#
    Normalisation of identifying values, shared by staging and identity resolution.
    Unit-tested through the staging models (see models/staging/**/stg_*.yml unit_tests).
#}

{# Trimmed text, NULL when empty. #}
{% macro clean_text(expr) -%}
    nullif(trim({{ expr }}), '')
{%- endmacro %}

{# Lower-cased, trimmed e-mail address, NULL when empty (the address as given). #}
{% macro clean_email(email) -%}
    nullif(lower(trim({{ email }})), '')
{%- endmacro %}

{#
    E-mail normalised for matching:
      lower-cased and trimmed; NULL unless it looks like local@domain.tld;
      plus-alias removed (john+news@x.com → john@x.com);
      for gmail.com / googlemail.com the dots of the local part are removed and the
      domain becomes gmail.com (j.o.hn@googlemail.com → john@gmail.com).
#}
{% macro normalize_email(email) -%}
    {%- set e = "lower(trim(" ~ email ~ "))" -%}
    {%- set local_part = dbt.split_part(dbt.split_part(e, "'@'", 1), "'+'", 1) -%}
    {%- set domain = dbt.split_part(e, "'@'", 2) -%}
    case
        when {{ regex_matches(e, '^[^@ ]+@[^@ ]+[.][^@ .]+$') }}
            and nullif({{ local_part }}, '') is not null
        then
            case
                when {{ domain }} in ('gmail.com', 'googlemail.com')
                    then nullif(replace({{ local_part }}, '.', ''), '') || '@gmail.com'
                else {{ local_part }} || '@' || {{ domain }}
            end
    end
{%- endmacro %}

{#
    Phone normalised for matching: the national significant number, digits only.
      digits only; an international "00" prefix dropped;
      NANP: 11 digits starting with country code 1 → the 10 digits (+1 (555) 010-2030 → 5550102030);
      UK:   12 digits starting with 44 → the 10 digits (+44 7548 591940 → 7548591940),
            11 digits starting with the trunk 0 → the 10 digits (07548 591940 → 7548591940);
      NULL when fewer than 7 digits remain.
#}
{% macro normalize_phone(phone) -%}
    {%- set raw_digits = regex_replace_all(phone, '[^0-9]', '') -%}
    {%- set digits -%}
        case when substr({{ raw_digits }}, 1, 2) = '00' then substr({{ raw_digits }}, 3) else {{ raw_digits }} end
    {%- endset -%}
    case
        when length({{ digits }}) = 11 and substr({{ digits }}, 1, 1) = '1' then substr({{ digits }}, 2)
        when length({{ digits }}) = 12 and substr({{ digits }}, 1, 2) = '44' then substr({{ digits }}, 3)
        when length({{ digits }}) = 11 and substr({{ digits }}, 1, 1) = '0' then substr({{ digits }}, 2)
        when length({{ digits }}) >= 7 then {{ digits }}
    end
{%- endmacro %}

{# Name normalised for matching: accents removed, lower-cased, blanks collapsed and trimmed. #}
{% macro normalize_name(name) -%}
    {%- set lowered = "lower(" ~ remove_accents(name) ~ ")" -%}
    nullif(trim({{ regex_replace_all(lowered, ' +', ' ') }}), '')
{%- endmacro %}

{#
    First and last name out of a (normalised) full name:
      "smith, john" → john / smith; "john de la cruz" → john / de la cruz; "john" → john / NULL.
#}
{% macro first_name_of(full_name) -%}
    case
        when {{ dbt.position("','", full_name) }} > 0
            then nullif(trim({{ dbt.split_part(full_name, "','", 2) }}), '')
        when {{ dbt.position("' '", full_name) }} > 0
            then {{ dbt.split_part(full_name, "' '", 1) }}
        else {{ full_name }}
    end
{%- endmacro %}

{% macro last_name_of(full_name) -%}
    case
        when {{ dbt.position("','", full_name) }} > 0
            then nullif(trim({{ dbt.split_part(full_name, "','", 1) }}), '')
        when {{ dbt.position("' '", full_name) }} > 0
            then nullif(trim(substr({{ full_name }}, {{ dbt.position("' '", full_name) }} + 1)), '')
    end
{%- endmacro %}

{# "first last" out of two name parts, NULL when both are missing. #}
{% macro join_name(first_name, last_name) -%}
    nullif(trim(coalesce({{ first_name }}, '') || ' ' || coalesce({{ last_name }}, '')), '')
{%- endmacro %}

{#
    Country as an ISO 3166-1 alpha-2 code where recognisable ("United States", "USA",
    "u.s." → US; "United Kingdom", "UK", "England" → GB; "Canada" → CA); other two-letter
    values upper-cased; anything else kept trimmed.
#}
{% macro normalize_country(country) -%}
    {%- set c = "lower(trim(" ~ regex_replace_all(country, '[.]', '') ~ "))" -%}
    case
        when {{ c }} in ('us', 'usa', 'united states', 'united states of america', 'america') then 'US'
        when {{ c }} in ('ca', 'can', 'canada') then 'CA'
        when {{ c }} in ('gb', 'uk', 'gbr', 'united kingdom', 'great britain', 'england', 'scotland', 'wales') then 'GB'
        when length({{ c }}) = 2 then upper({{ c }})
        else nullif(trim({{ country }}), '')
    end
{%- endmacro %}

{# Postal code: upper-cased, blanks collapsed, trimmed; NULL when empty. #}
{% macro normalize_postal_code(postal_code) -%}
    nullif(trim({{ regex_replace_all('upper(' ~ postal_code ~ ')', ' +', ' ') }}), '')
{%- endmacro %}

{# True for a normalised e-mail that starts with a blocked prefix (var blocked_email_prefixes). #}
{% macro is_placeholder_email(email_normalized) -%}
    coalesce((
    {%- for prefix in var('blocked_email_prefixes') %}
        {{ email_normalized }} like '{{ prefix }}%'{{ ' or' if not loop.last }}
    {%- endfor %}
    ), false)
{%- endmacro %}

{# True for a normalised phone whose last 7 digits are blocked (var blocked_phones). #}
{% macro is_placeholder_phone(phone_normalized) -%}
    coalesce({{ dbt.right(phone_normalized, 7) }} in (
    {%- for phone in var('blocked_phones') -%}
        '{{ phone }}'{{ ', ' if not loop.last }}
    {%- endfor -%}
    ), false)
{%- endmacro %}

{#
    Name keys for matching, out of a normalised name part:
      letters only ("o'brien" → obrien, "a. smith" → asmith is avoided by taking the LAST word
      of a last name, so a middle initial left in it by "john a. smith" does not count; group 0,
      the whole match, is named because Spark's regexp_extract defaults to group 1);
      a "<surname> household" account name gives no first name and the surname as last name.
    The first-name key is then mapped through the nickname seed (bob → robert) in
    int_identity_records.
#}
{% macro first_name_key(first_name, last_name) -%}
    case
        when {{ last_name }} = 'household' then null
        else nullif({{ regex_replace_all(first_name, '[^a-z]', '') }}, '')
    end
{%- endmacro %}

{% macro last_name_key(first_name, last_name) -%}
    case
        when {{ last_name }} = 'household' then nullif({{ regex_replace_all(first_name, '[^a-z]', '') }}, '')
        else nullif({{ regex_replace_all(
            "regexp_extract(trim(" ~ last_name ~ "), '[^ ]+$', 0)", '[^a-z]', '') }}, '')
    end
{%- endmacro %}

{# The local part of a normalised e-mail (john.smith@x.com → john.smith): the same person keeps
   it across a domain typo or a work/personal domain pair. #}
{% macro email_user(email_normalized) -%}
    nullif({{ dbt.split_part(email_normalized, "'@'", 1) }}, '')
{%- endmacro %}

{#
    Street normalised for matching: lower-cased, accents and punctuation removed, blanks
    collapsed, the common USPS suffixes and directions abbreviated (Street → st, Avenue → ave,
    North → n), so "12 Oak Street" and "12 oak st." compare equal.
#}
{% macro normalize_street(street) -%}
    {%- set abbreviations = {
        'street': 'st', 'avenue': 'ave', 'av': 'ave', 'road': 'rd', 'boulevard': 'blvd', 'lane': 'ln',
        'drive': 'dr', 'court': 'ct', 'place': 'pl', 'terrace': 'ter', 'circle': 'cir', 'highway': 'hwy',
        'parkway': 'pkwy', 'square': 'sq', 'north': 'n', 'south': 's', 'east': 'e', 'west': 'w',
        'apartment': 'apt', 'suite': 'ste'
    } -%}
    {%- set ns = namespace(expr=regex_replace_all(regex_replace_all(
        "lower(" ~ remove_accents(street) ~ ")", '[.,#]', ' '), ' +', ' ')) -%}
    {%- for word, abbr in abbreviations.items() -%}
        {%- set ns.expr = regex_replace_all(ns.expr, '\\b' ~ word ~ '\\b', abbr) -%}
    {%- endfor -%}
    nullif(trim({{ ns.expr }}), '')
{%- endmacro %}
