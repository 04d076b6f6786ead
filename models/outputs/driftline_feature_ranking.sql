{{ config(materialized='table') }}
{#- Which features to look at first (algorithms.md §10), two rankers per monitor:
    alert_count  - per family and method (univariate drift, data quality, summary stats): the number of alerts
                   of each column over the analysis chunks; rank by (number_of_alerts, column_name), both
                   descending, as NannyML's AlertCountRanker does.
    correlation  - per univariate method and performance metric (estimated and realized separately): Pearson r,
                   over all chunks (reference and analysis) where both are known, between the column's drift
                   value and d = |performance value - mean of the performance values of the reference chunks|;
                   rank by r descending, NULL last (fewer than 2 pairs or a constant series give NULL);
                   has_drifted = the column alerted on that method in any chunk. p_value is the two-sided
                   p-value of r (Student t with n - 2 degrees of freedom). -#}
-- depends_on: {{ ref('driftline_chunks') }}
{%- set double = driftline_double() %}
{%- set max_terms = driftline_most_chunks() // 2 + 1 %}
with verdicts as (
    select * from {{ ref('driftline__all_verdicts') }}
),

alert_counts as (
    select monitor, family, method, column_name,
           sum(case when period = 'analysis' and alert then 1 else 0 end) as number_of_alerts
    from verdicts
    where family in ('univariate_drift', 'data_quality', 'summary_stats') and column_name is not null
    group by monitor, family, method, column_name
),

performance_reference_means as (
    select monitor, kind, method as metric, avg(value) as reference_mean
    from verdicts
    where family = 'performance' and period = 'reference'
    group by monitor, kind, method
),

performance_deviations as (
    select p.monitor, p.period, p.chunk_index, p.kind, p.method as metric,
           abs(p.value - m.reference_mean) as deviation
    from verdicts as p
    inner join performance_reference_means as m
      on m.monitor = p.monitor and m.kind = p.kind and m.metric = p.method
    where p.family = 'performance'
),

pairs as (
    select d.monitor, d.method, d.column_name, pd.kind, pd.metric, d.alert,
           case when d.value is not null and pd.deviation is not null then d.value end as drift_value,
           case when d.value is not null and pd.deviation is not null then pd.deviation end as deviation
    from verdicts as d
    inner join performance_deviations as pd
      on pd.monitor = d.monitor and pd.period = d.period and pd.chunk_index = d.chunk_index
    where d.family = 'univariate_drift'
),

pair_moments as (
    select monitor, method, column_name, kind, metric,
           count(drift_value) as n_pairs,
           avg(drift_value) as mean_x, avg(deviation) as mean_y,
           max(case when alert then 1 else 0 end) = 1 as has_drifted
    from pairs
    group by monitor, method, column_name, kind, metric
),

correlations as (
    {#- r = sum((x - mx)(y - my)) / sqrt(sum((x - mx)^2) sum((y - my)^2)), centred first for accuracy -#}
    select m.monitor, m.method, m.column_name, m.kind, m.metric, m.n_pairs, m.has_drifted,
           case when m.n_pairs >= 2
                 and sum(power(p.drift_value - m.mean_x, 2)) > 0 and sum(power(p.deviation - m.mean_y, 2)) > 0
                then least(1.0, greatest(-1.0,
                       sum((p.drift_value - m.mean_x) * (p.deviation - m.mean_y))
                       / sqrt(sum(power(p.drift_value - m.mean_x, 2)) * sum(power(p.deviation - m.mean_y, 2)))))
           end as correlation
    from pair_moments as m
    inner join pairs as p
      on p.monitor = m.monitor and p.method = m.method and p.column_name = m.column_name
     and p.kind = m.kind and p.metric = m.metric
    group by m.monitor, m.method, m.column_name, m.kind, m.metric, m.n_pairs, m.has_drifted, m.mean_x, m.mean_y
),

{#- Two-sided p-value of r with nu = n - 2 degrees of freedom, in closed form for integer nu (Abramowitz and
    Stegun 26.7.3-4, with sin(theta) = |r| and cos(theta)^2 = 1 - r^2):
      nu = 1:     A = 2 theta / pi
      nu odd:     A = (2 / pi) (theta + |r| sqrt(1 - r^2) (1 + sum_{k=1}^{(nu-3)/2} a_k (1 - r^2)^k)),  a_k = prod_{j<=k} 2j / (2j + 1)
      nu even:    A = |r| (1 + sum_{k=1}^{(nu-2)/2} b_k (1 - r^2)^k),                                b_k = prod_{j<=k} (2j - 1) / (2j)
    p = 1 - A (p = 1 when nu = 0, as scipy.stats.pearsonr gives for two points). -#}
series_coefficients as (
    select i + 1 as k,
           exp(sum(ln((2.0 * i + 1) / (2.0 * i + 2))) over (order by i rows between unbounded preceding and current row)) as even_coefficient,
           exp(sum(ln((2.0 * i + 2) / (2.0 * i + 3))) over (order by i rows between unbounded preceding and current row)) as odd_coefficient
    from ({{ driftline_integers(max_terms) }}) as integers
),

p_values as (
    select c.monitor, c.method, c.column_name, c.kind, c.metric,
           case
             when c.correlation is null then null
             when c.n_pairs = 2 then 1.0
             when c.n_pairs = 3 then 1 - 2 * asin(abs(c.correlation)) / pi()
             when (c.n_pairs - 2) % 2 = 0 then
               1 - abs(c.correlation) * (1 + coalesce(sum(s.even_coefficient * power(1 - c.correlation * c.correlation, s.k)), 0))
             else
               1 - 2 / pi() * (asin(abs(c.correlation)) + abs(c.correlation) * sqrt(1 - c.correlation * c.correlation)
                               * (1 + coalesce(sum(s.odd_coefficient * power(1 - c.correlation * c.correlation, s.k)), 0)))
           end as p_value
    from correlations as c
    left join series_coefficients as s
      on 2 * s.k <= (c.n_pairs - 2) - case when (c.n_pairs - 2) % 2 = 0 then 2 else 3 end
    group by c.monitor, c.method, c.column_name, c.kind, c.metric, c.correlation, c.n_pairs
)

select monitor, 'alert_count' as ranker, family, method,
       cast(null as {{ driftline_text() }}) as performance_metric, cast(null as {{ driftline_text() }}) as performance_kind,
       column_name,
       row_number() over (partition by monitor, family, method order by number_of_alerts desc, column_name desc) as rank,
       cast(number_of_alerts as bigint) as number_of_alerts,
       cast(null as {{ double }}) as correlation, cast(null as {{ double }}) as p_value,
       cast(null as boolean) as has_drifted
from alert_counts
union all
select c.monitor, 'correlation', 'univariate_drift', c.method, c.metric, c.kind, c.column_name,
       row_number() over (partition by c.monitor, c.method, c.kind, c.metric
                          order by case when c.correlation is null then 1 else 0 end, c.correlation desc, c.column_name),
       cast(null as bigint),
       c.correlation, greatest(0.0, least(1.0, pv.p_value)),
       c.has_drifted
from correlations as c
inner join p_values as pv
  on pv.monitor = c.monitor and pv.method = c.method and pv.column_name = c.column_name
 and pv.kind = c.kind and pv.metric = c.metric
