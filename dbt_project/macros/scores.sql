{#
    The two daily customer scores of customer_daily_metrics, 0-100. Documented here and
    in models/marts/customer_daily_metrics.yml; unit-tested in that yml.

    ENGAGEMENT SCORE: what the customer does (recency, frequency and trend of actions).
      points   = Σ engagement_weight(activity_type) of the actions known in a window
                 (weights in macros/activity_taxonomy.sql: order 5, subscription 5,
                 event attended 4, registered 3, offer accepted 3, e-mail click 2, pricing
                 view 2, open / visit / login / help article / ticket / survey reply 1 …)
      R (recency)   = 100 × 0.5 ^ (days_since_last_engagement / 30)     (0 if never)
      F (frequency) = 100 × (1 − 0.5 ^ (points_30d / 10))               (10 points → 50)
      P (purchases) = 100 × (1 − 0.5 ^ orders_90d)                      (1 order → 50)
      T (trend)     = 50 × (1 + (points_30d − prior) / (points_30d + prior)), where
                      prior = (points_90d − points_30d) / 2 is the average 30-day volume
                      of the 60 days before; 0 when both are 0 (no activity, no trend)
      engagement_score = round(0.35 R + 0.30 F + 0.20 P + 0.15 T, 1)

    EXPERIENCE SCORE: how interactions went, NOT a plain average — recent and negative
    experiences weigh more. Signals: the experience activities known in the last 90 days.
      g  = goodness of the signal in [0, 1] (experience_goodness below)
      w  = base × 0.5 ^ (age_days / H) × (1 + 2 × (1 − g))
             base = 3 for survey answers (the customer's own judgement), 0.5 for a
             ticket opened (weak, indirect), 1 otherwise;
             the sentiment of the customer's own words counts too (feedback_sentiment,
             VADER compound c in [-1, 1]): g = (c + 1) / 2, base 2 for a survey comment,
             0.5 for a ticket subject; neutral texts (|c| < 0.05) are no signal;
             age_days = days from the activity to the metric date; H = half-life
             (var experience_half_life_days, 45); a fully negative signal weighs 3× a
             fully positive one of the same age.
      experience_score = round(100 × (Σ w g + 0.5) / (Σ w + 1), 1)
             i.e. one neutral pseudo-signal (g = 0.5, w = 1) shrinks thin evidence
             toward 50; a customer without any signal gets exactly 50 (neutral) and
             has_experience_signal = false.
#}

{# Goodness in [0, 1] of an experience signal; NULL for activities that are not one. #}
{% macro experience_goodness(activity_type, score, duration_hours) -%}
    case {{ activity_type }}
        when 'survey_nps' then least(1.0, greatest(0.0, {{ score }} / 10.0))
        when 'survey_csat' then least(1.0, greatest(0.0, ({{ score }} - 1) / 4.0))
        {# effort (CES agreement scale): 1 = very difficult … 7 = very easy to get it handled #}
        when 'survey_effort' then least(1.0, greatest(0.0, ({{ score }} - 1) / 6.0))
        {# contacting support usually means something went wrong: mildly negative #}
        when 'ticket_opened' then 0.4
        {# resolved in 0 h → 1.0, 24 h → 0.75, 72 h → 0.5, 1 week → 0.3 #}
        when 'ticket_resolved' then 1.0 / (1.0 + coalesce({{ duration_hours }}, 72.0) / 72.0)
        when 'ticket_escalated' then 0.15
        when 'ticket_reopened' then 0.1
        when 'payment_failed' then 0.1
        when 'payment_late' then 0.3
        when 'order_returned' then 0.25
    end
{%- endmacro %}

{#
    Base weight of an experience signal: the customer's own judgement (a survey answer)
    counts 3, contacting support 0.5 (a weak, indirect signal), anything else 1.
#}
{% macro experience_base_weight(activity_type) -%}
    case
        when {{ activity_type }} in ('survey_nps', 'survey_csat', 'survey_effort') then 3.0
        when {{ activity_type }} = 'ticket_opened' then 0.5
        else 1.0
    end
{%- endmacro %}

{# Weight w of one experience signal of goodness g, age_days old (see above). #}
{% macro experience_signal_weight(base_weight, goodness, age_days) -%}
    ({{ base_weight }}
        * power(0.5, cast(greatest(0, {{ age_days }}) as {{ type_double() }}) / {{ var('experience_half_life_days') }})
        * (1.0 + 2.0 * (1.0 - {{ goodness }})))
{%- endmacro %}

{#
    sum() of a double that does not depend on the order of aggregation: summed as whole units
    of 1e-9 (exact in a double), so a rounding of the result cannot flip between runs or engines.
#}
{% macro order_free_sum(expr) -%}
    (sum(round(({{ expr }}) * 1e9)) / 1e9)
{%- endmacro %}

{# experience_score from Σ w g and Σ w of a customer's signals (both 0 without signals). #}
{% macro experience_score(weighted_goodness_sum, weight_sum) -%}
    round(100.0 * (coalesce({{ weighted_goodness_sum }}, 0.0) + 0.5) / (coalesce({{ weight_sum }}, 0.0) + 1.0), 1)
{%- endmacro %}

{# engagement_score from its inputs (see above). #}
{% macro engagement_score(days_since_last_engagement, points_30d, points_90d, orders_90d) -%}
    {%- set prior = "((" ~ points_90d ~ " - " ~ points_30d ~ ") / 2.0)" -%}
    round(
        0.35 * coalesce(100.0 * power(0.5, cast({{ days_since_last_engagement }} as {{ type_double() }}) / 30.0), 0.0)
        + 0.30 * 100.0 * (1.0 - power(0.5, {{ points_30d }} / 10.0))
        + 0.20 * 100.0 * (1.0 - power(0.5, cast({{ orders_90d }} as {{ type_double() }})))
        + 0.15 * case
            when {{ points_30d }} + {{ prior }} > 0
                then 50.0 * (1.0 + ({{ points_30d }} - {{ prior }}) / ({{ points_30d }} + {{ prior }}))
            else 0.0
        end,
    1)
{%- endmacro %}

{# Goodness in [0, 1] of a text's sentiment (VADER compound in [-1, 1]). #}
{% macro sentiment_goodness(compound) -%}
    (({{ compound }} + 1.0) / 2.0)
{%- endmacro %}

{#
    Base weight of a text's sentiment: a survey comment is the customer's own judgement in
    words (2; the answer's score already counts 3), a ticket subject mostly names the problem (0.5).
#}
{% macro feedback_base_weight(text_kind) -%}
    case {{ text_kind }} when 'survey_comment' then 2.0 else 0.5 end
{%- endmacro %}

{#
    Experience band of a customer-day, for the experience → engagement → churn comparison
    (experience_engagement_bands). A customer without any signal sits at exactly 50 and has
    a band of its own, so "no news" is not read as a mixed experience.
#}
{% macro experience_band(score, has_signal) -%}
    case
        when not {{ has_signal }} then '0 no signal'
        when {{ score }} < 40 then '1 poor (<40)'
        when {{ score }} < 60 then '2 mixed (40-60)'
        when {{ score }} < 80 then '3 good (60-80)'
        else '4 excellent (80+)'
    end
{%- endmacro %}
