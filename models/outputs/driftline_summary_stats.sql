{{ config(materialized='table') }}
{#- Summary statistics per chunk (algorithms.md §9, sampling errors §3.4), n = rows in the chunk
    (missing values included), sigma = the reference sample std, computed from the reference:
      avg     chunk mean;           SE = sigma / sqrt(n)
      median  chunk median;         SE = sqrt(1 / (4 n f(m)^2)), f = Gaussian KDE (Scott) of the reference at its median m
      std     chunk sample std;     SE = sqrt((mu4 - (n-3) sigma^4 / (n-1)) / n) / (2 sigma), mu4 = the reference 4th central
                                    moment (NULL when the reference has missing values, as NannyML)
      sum     chunk sum (0 if all missing); SE = sigma * sqrt(n)
      count   rows in the chunk (column_name is empty); no sampling error
    Confidence band = value +- 3 SE (std: lower band clipped at 0). -#}
{%- set monitors = driftline_monitors() -%}

{%- set results_sql -%}
  with moments as (
    {{ driftline_current_summary('driftline__chunk_moments', 't.chunk_index >= 0') }}
  ),
  continuous as (
    select mo.*, p.std_samp as ref_std, p.density_at_median as ref_density,
           case when p.n_missing = 0 then p.central_moment_4 end as ref_moment_4
    from moments as mo
    inner join {{ ref('driftline__reference_profile') }} as p on p.monitor = mo.monitor and p.column_name = mo.column_name
    where mo.column_type = 'continuous'
  ),
  std_terms as (
    select continuous.*,
           ref_moment_4 - (n_rows - 3) * power(ref_std, 4) / nullif(n_rows - 1, 0) as std_bracket
    from continuous
  ),
  stats as (
    select monitor, period, chunk_index, column_name, 'avg' as method, mean_value as value,
           ref_std / sqrt(n_rows) as sampling_error
    from continuous
    union all
    select monitor, period, chunk_index, column_name, 'median', median_value,
           case when ref_std = 0 then 0 else sqrt(1 / (4 * n_rows * power(ref_density, 2))) end
    from continuous
    union all
    select monitor, period, chunk_index, column_name, 'std', std_value,
           case when std_bracket >= 0 and ref_std > 0 then sqrt(std_bracket / n_rows) / (2 * ref_std) end
    from std_terms
    union all
    select monitor, period, chunk_index, column_name, 'sum', coalesce(sum_value, 0), ref_std * sqrt(n_rows)
    from continuous
    union all
    select distinct monitor, period, chunk_index, '', 'count', cast(n_rows as {{ driftline_double() }}), cast(null as {{ driftline_double() }})
    from moments
  )
  select * from stats
{%- endset %}

select
  c.monitor, c.config_fingerprint, c.period, c.chunk_index, c.chunk_key, c.chunk_start_index, c.chunk_end_index,
  c.chunk_start_date, c.chunk_end_date, c.n_rows,
  v.column_name, v.method as statistic,
  v.value, v.sampling_error,
  {#- greatest() skips NULLs on most engines, so a missing sampling error is handled first. -#}
  case when v.sampling_error is null then null
       when v.method = 'std' then greatest(v.value - 3 * v.sampling_error, 0)
       else v.value - 3 * v.sampling_error end as lower_confidence,
  v.value + 3 * v.sampling_error as upper_confidence,
  v.lower_threshold, v.upper_threshold, v.alert
from ({{ driftline_with_verdicts(results_sql, monitors, 'summary_stats', ['column_name']) }}) as v
inner join {{ ref('driftline_chunks') }} as c
  on c.monitor = v.monitor and c.period = v.period and c.chunk_index = v.chunk_index
{%- set off = [] -%}
{%- for m in monitors if not m.summary_stats -%}{%- do off.append(driftline_literal(m.name)) -%}{%- endfor %}
{%- if off %}
where c.monitor not in ({{ off | join(', ') }})
{%- endif %}
