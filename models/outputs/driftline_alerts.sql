{{ config(materialized='table') }}
{#- One row per alert of the analysis period, every family, for the on-call engineer: what is wrong, where,
    how far from its thresholds, and for each performance alert the same chunk's univariate drift alerts as
    likely causes: each drifted column once, with its best correlation over the methods that alerted,
    ordered by the correlation ranker (driftline_feature_ranking: Pearson r between the drift value and
    |performance - its reference mean| over the chunks; NULL r last).
    allow_listed marks alerts matched by the driftline_alert_exceptions seed ('*' matches anything); the dbt
    test and the Great Expectations checkpoint ignore them, this table keeps them. -#}
with alerts as (
    select v.*
    from {{ ref('driftline__all_verdicts') }} as v
    where v.period = 'analysis' and v.alert
),

latest_chunk as (
    select monitor, max(chunk_index) as chunk_index
    from {{ ref('driftline_chunks') }}
    where period = 'analysis'
    group by monitor
),

exceptions as (
    select monitor, family, column_name, method, reason
    from {{ ref('driftline_alert_exceptions') }}
),

allow_listed as (
    select a.monitor, a.chunk_index, a.family, a.kind, a.column_name, a.method,
           min(e.reason) as allow_reason
    from alerts as a
    inner join exceptions as e
      on (e.monitor = '*' or e.monitor = a.monitor)
     and (e.family = '*' or e.family = a.family)
     and (e.column_name = '*' or e.column_name = coalesce(a.column_name, ''))
     and (e.method = '*' or e.method = a.method)
    group by a.monitor, a.chunk_index, a.family, a.kind, a.column_name, a.method
),

cause_candidates as (
    {#- one candidate per drifted column: its best correlation over the univariate methods that alerted -#}
    select p.monitor, p.chunk_index, p.kind, p.method as metric, d.column_name, max(r.correlation) as correlation
    from alerts as p
    inner join alerts as d
      on d.monitor = p.monitor and d.chunk_index = p.chunk_index and d.family = 'univariate_drift'
    left join {{ ref('driftline_feature_ranking') }} as r
      on r.monitor = p.monitor and r.ranker = 'correlation' and r.performance_kind = p.kind
     and r.performance_metric = p.method and r.method = d.method and r.column_name = d.column_name
    where p.family = 'performance'
    group by p.monitor, p.chunk_index, p.kind, p.method, d.column_name
),

ranked_causes as (
    select monitor, chunk_index, kind, metric,
           column_name || coalesce(' (r=' || {{ driftline_two_decimals('correlation') }} || ')', '') as cause,
           row_number() over (
             partition by monitor, chunk_index, kind, metric
             order by case when correlation is null then 1 else 0 end, correlation desc, column_name
           ) as cause_rank
    from cause_candidates
),

likely_causes as (
    select monitor, chunk_index, kind, metric,
           {{ driftline_string_agg('cause', 'cause_rank', '; ') }} as likely_causes
    from ranked_causes
    group by monitor, chunk_index, kind, metric
),

family_order as (
    select 'performance' as family, 1 as family_rank
    union all select 'multivariate_drift', 2
    union all select 'univariate_drift', 3
    union all select 'data_quality', 4
    union all select 'summary_stats', 5
)

select
  c.monitor, c.config_fingerprint, c.period, c.chunk_index, c.chunk_key, c.chunk_start_index, c.chunk_end_index,
  c.chunk_start_date, c.chunk_end_date, c.n_rows,
  (c.chunk_index = l.chunk_index) as is_latest_chunk,
  a.family, a.kind, a.column_name, a.method, a.value, a.lower_threshold, a.upper_threshold, a.alert,
  row_number() over (
    partition by a.monitor, a.chunk_index
    order by f.family_rank, case a.kind when 'estimated' then 0 else 1 end, a.column_name nulls last, a.method nulls last
  ) as alert_rank,
  lc.likely_causes,
  (x.monitor is not null) as allow_listed,
  x.allow_reason
from alerts as a
inner join {{ ref('driftline_chunks') }} as c
  on c.monitor = a.monitor and c.period = a.period and c.chunk_index = a.chunk_index
inner join latest_chunk as l on l.monitor = a.monitor
inner join family_order as f on f.family = a.family
left join likely_causes as lc
  on a.family = 'performance' and lc.monitor = a.monitor and lc.chunk_index = a.chunk_index
 and lc.kind = a.kind and lc.metric = a.method
left join allow_listed as x
  on x.monitor = a.monitor and x.chunk_index = a.chunk_index and x.family = a.family
 and coalesce(x.kind, '') = coalesce(a.kind, '') and coalesce(x.column_name, '') = coalesce(a.column_name, '')
 and x.method = a.method
