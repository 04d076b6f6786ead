{#- CBPE estimates for a binary classifier per chunk (algorithms.md §4.4), from the calibrated
    probability pc0 (the chance the row is positive) and the prediction y_pred. Expected counts:
      TP = sum over y_pred = 1 of pc0, FP = sum over y_pred = 1 of (1 - pc0),
      FN = sum over y_pred = 0 of pc0, TN = sum over y_pred = 0 of (1 - pc0);
    ratio metrics are 0 (not NULL) when their denominator is 0.
      roc_auc: rows ordered by the raw score p0 (descending); cumulative expected TP and FP, each rounded
        to 5 decimals (half to even), normalised, trapezoid rule.
      average_precision: the same ordering; sum_k (recall_k - recall_k-1) x TPS_k / k. -#}

{% macro driftline_binary_estimated_sql(monitor, rows_relation) %}
  {%- set perf = monitor.performance -%}
  {%- set metrics = perf.metrics -%}
  {%- set d = driftline_double() -%}
  with scored as (
    select period, chunk_index, y_pred, p0, pc0 from {{ rows_relation }} where pc0 is not null
  ),
  expected as (
    select period, chunk_index,
      count(case when y_pred is not null then 1 end) as n,
      coalesce(sum(case when y_pred = 1 then pc0 end), 0) as tp,
      coalesce(sum(case when y_pred = 1 then 1 - pc0 end), 0) as fp,
      coalesce(sum(case when y_pred = 0 then pc0 end), 0) as fn,
      coalesce(sum(case when y_pred = 0 then 1 - pc0 end), 0) as tn
    from scored group by period, chunk_index
  ),
  {%- if 'roc_auc' in metrics or 'average_precision' in metrics %}
  ordered as (
    select period, chunk_index, pc0,
      row_number() over (partition by period, chunk_index order by p0 desc) as k,
      sum(pc0) over (partition by period, chunk_index order by p0 desc rows between unbounded preceding and current row) as tps
    from scored where p0 is not null
  ),
  curve as (
    select period, chunk_index, k,
      {{ driftline_round_half_even('tps', 5) }} as tps,
      {{ driftline_round_half_even('k - tps', 5) }} as fps
    from ordered
  ),
  normalised as (
    select curve.*,
      max(case when k = n_rows then tps end) over (partition by period, chunk_index) as tps_total,
      max(case when k = n_rows then fps end) over (partition by period, chunk_index) as fps_total
    from (select curve.*, count(*) over (partition by period, chunk_index) as n_rows from curve) as curve
  ),
  stepped as (
    select period, chunk_index, k, tps, tps_total, fps_total,
      tps / nullif(tps_total, 0) as tpr, fps / nullif(fps_total, 0) as fpr,
      coalesce(lag(tps / nullif(tps_total, 0)) over (partition by period, chunk_index order by k), 0) as previous_tpr,
      coalesce(lag(fps / nullif(fps_total, 0)) over (partition by period, chunk_index order by k), 0) as previous_fpr
    from normalised
  ),
  ranking_metrics as (
    select period, chunk_index, count(*) as n,
      case when max(tps_total) > 0 and max(fps_total) > 0 then sum((fpr - previous_fpr) * (tpr + previous_tpr) / 2) end as roc_auc,
      case when max(tps_total) > 0 then sum((tpr - previous_tpr) * tps / k) end as average_precision
    from stepped group by period, chunk_index
  ),
  {%- endif %}
  results as (
    {%- set selects = [] %}
    {%- if 'roc_auc' in metrics %}{%- do selects.append("select period, chunk_index, 'roc_auc' as method, 'roc_auc' as metric, roc_auc as value, n from ranking_metrics") %}{%- endif %}
    {%- if 'average_precision' in metrics %}{%- do selects.append("select period, chunk_index, 'average_precision', 'average_precision', average_precision, n from ranking_metrics") %}{%- endif %}
    {%- if 'precision' in metrics %}{%- do selects.append("select period, chunk_index, 'precision', 'precision', coalesce(tp / nullif(tp + fp, 0), 0), n from expected") %}{%- endif %}
    {%- if 'recall' in metrics %}{%- do selects.append("select period, chunk_index, 'recall', 'recall', coalesce(tp / nullif(tp + fn, 0), 0), n from expected") %}{%- endif %}
    {%- if 'f1' in metrics %}{%- do selects.append("select period, chunk_index, 'f1', 'f1', coalesce(tp / nullif(tp + (fp + fn) / 2, 0), 0), n from expected") %}{%- endif %}
    {%- if 'specificity' in metrics %}{%- do selects.append("select period, chunk_index, 'specificity', 'specificity', coalesce(tn / nullif(tn + fp, 0), 0), n from expected") %}{%- endif %}
    {%- if 'accuracy' in metrics %}{%- do selects.append("select period, chunk_index, 'accuracy', 'accuracy', (tp + tn) / nullif(n, 0), n from expected") %}{%- endif %}
    {%- if 'confusion_matrix' in metrics %}
      {%- for cell, expr in driftline_binary_cells(perf.normalize_confusion_matrix, 'tp', 'fp', 'fn', 'tn', 'n').items() %}
        {%- do selects.append("select period, chunk_index, 'confusion_matrix', '" ~ cell ~ "', cast(" ~ expr ~ " as " ~ d ~ "), n from expected") %}
      {%- endfor %}
    {%- endif %}
    {%- if 'business_value' in metrics %}
      {%- do selects.append("select period, chunk_index, 'business_value', 'business_value', " ~ driftline_business_value_expr(perf.business_value_matrix, perf.normalize_business_value, 'tn', 'fp', 'fn', 'tp') ~ ", n from expected") %}
    {%- endif %}
    {{ selects | join('\n    union all\n    ') }}
  )
  select * from results
{% endmacro %}
