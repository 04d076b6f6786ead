{{ config(materialized='table') }}
{#- Every family's verdicts in one long shape, so alerts and rankings read one table:
    monitor, period, chunk_index, family, kind (performance only), column_name (NULL where the verdict has no
    column), method (univariate method, performance metric, multivariate method, data-quality check or
    statistic), value, lower_threshold, upper_threshold, alert. -#}
{%- set text = driftline_text() %}
select monitor, period, chunk_index, 'performance' as family, kind, cast(null as {{ text }}) as column_name,
       metric as method, value, lower_threshold, upper_threshold, alert
from {{ ref('driftline_performance') }}
union all
select monitor, period, chunk_index, 'multivariate_drift', cast(null as {{ text }}), cast(null as {{ text }}),
       method, value, lower_threshold, upper_threshold, alert
from {{ ref('driftline_multivariate_drift') }}
union all
select monitor, period, chunk_index, 'univariate_drift', cast(null as {{ text }}), column_name,
       method, value, lower_threshold, upper_threshold, alert
from {{ ref('driftline_univariate_drift') }}
union all
select monitor, period, chunk_index, 'data_quality', cast(null as {{ text }}), column_name,
       check_name, value, lower_threshold, upper_threshold, alert
from {{ ref('driftline_data_quality') }}
union all
select monitor, period, chunk_index, 'summary_stats', cast(null as {{ text }}), nullif(column_name, ''),
       statistic, value, lower_threshold, upper_threshold, alert
from {{ ref('driftline_summary_stats') }}
