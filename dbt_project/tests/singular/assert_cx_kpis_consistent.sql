-- Company KPIs are internally consistent: counts of subsets never exceed their whole.
select *
from {{ ref('cx_kpis_daily') }}
where active_customers > known_customers
   or subscribers_at_day_start > known_customers
   or subscribers_at_day_end > known_customers
   or churned_customers > subscribers_at_day_start
   or nps_responses > responses
   or (nps is not null and nps_responses = 0)
