{#
    The activity taxonomy: every activity_type of fct_customer_activity, its category
    and its weight in the engagement score. One place, used by the models and the docs.

    Categories (what kind of signal the row is):
      engagement   what the customer chooses to do (buy, open, click, visit, register, reply)
      experience   how an interaction went (survey answers, ticket handling, failed or late
                   payments, returns)
      both         contacting support and answering a survey: the customer reaches out
                   (engagement) and it tells how things went (experience)
      operational  company-initiated or routine events that are neither a customer choice
                   nor a quality signal (e-mail sent, offer shown, invoice issued, payment
                   collected); kept for completeness and money totals
#}
{% macro activity_taxonomy() -%}
    {{ return({
        'order_placed':           {'category': 'engagement',  'engagement_weight': 5.0},
        'order_returned':         {'category': 'experience',  'engagement_weight': 0.0},
        'email_sent':             {'category': 'operational', 'engagement_weight': 0.0},
        'email_open':             {'category': 'engagement',  'engagement_weight': 1.0},
        'email_click':            {'category': 'engagement',  'engagement_weight': 2.0},
        'email_unsubscribe':      {'category': 'engagement',  'engagement_weight': 0.0},
        'web_page_view':          {'category': 'engagement',  'engagement_weight': 1.0},
        'web_pricing_view':       {'category': 'engagement',  'engagement_weight': 2.0},
        'help_article_view':      {'category': 'engagement',  'engagement_weight': 1.0},
        'login':                  {'category': 'engagement',  'engagement_weight': 1.0},
        'event_registered':       {'category': 'engagement',  'engagement_weight': 3.0},
        'event_attended':         {'category': 'engagement',  'engagement_weight': 4.0},
        'offer_exposed':          {'category': 'operational', 'engagement_weight': 0.0},
        'offer_accepted':         {'category': 'engagement',  'engagement_weight': 3.0},
        'offer_declined':         {'category': 'engagement',  'engagement_weight': 0.5},
        'ticket_opened':          {'category': 'both',        'engagement_weight': 1.0},
        'ticket_resolved':        {'category': 'experience',  'engagement_weight': 0.0},
        'ticket_escalated':       {'category': 'experience',  'engagement_weight': 0.0},
        'ticket_reopened':        {'category': 'experience',  'engagement_weight': 0.0},
        'survey_nps':             {'category': 'both',        'engagement_weight': 1.0},
        'survey_csat':            {'category': 'both',        'engagement_weight': 1.0},
        'survey_effort':          {'category': 'both',        'engagement_weight': 1.0},
        'subscription_started':   {'category': 'engagement',  'engagement_weight': 5.0},
        'subscription_changed':   {'category': 'engagement',  'engagement_weight': 1.0},
        'subscription_cancelled': {'category': 'engagement',  'engagement_weight': 0.0},
        'invoice_issued':         {'category': 'operational', 'engagement_weight': 0.0},
        'payment_succeeded':      {'category': 'operational', 'engagement_weight': 0.0},
        'payment_failed':         {'category': 'experience',  'engagement_weight': 0.0},
        'payment_late':           {'category': 'experience',  'engagement_weight': 0.0},
    }) }}
{%- endmacro %}

{# CASE expression: activity_type → activity_category. #}
{% macro activity_category(activity_type) -%}
    case {{ activity_type }}
    {%- for name, spec in activity_taxonomy().items() %}
        when '{{ name }}' then '{{ spec.category }}'
    {%- endfor %}
    end
{%- endmacro %}

{# CASE expression: activity_type → weight of one such action in the engagement score. #}
{% macro engagement_weight(activity_type) -%}
    case {{ activity_type }}
    {%- for name, spec in activity_taxonomy().items() if spec.engagement_weight > 0 %}
        when '{{ name }}' then {{ spec.engagement_weight }}
    {%- endfor %}
        else 0.0
    end
{%- endmacro %}
