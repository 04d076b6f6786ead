{#- Realized binary-classification metrics per chunk (algorithms.md §6), from the rows whose target has
    arrived. Long result: period, chunk_index, method, metric, value, n (the rows the metric used).
    Rules as scikit-learn within NannyML:
      roc_auc            Mann-Whitney with average ranks for ties; NULL unless both classes occur
      average_precision  sum over distinct scores (descending) of (recall step) x precision; NULL without positives
      f1, precision, recall  NULL when y_true or y_pred has a single value
      specificity        TN / (TN + FP); NULL when one label occurs in y_true and y_pred together, or TN + FP = 0
      accuracy           share of y_pred = y_true
      confusion_matrix   counts (or normalised by all / true class / predicted class)
      business_value     sum of value matrix x confusion counts; a chunk with one label overall has a
                         1x1 matrix that broadcasts (count x sum of the value matrix), as NannyML;
                         per_prediction: the sum over predicted classes of the mean value. -#}

{% macro driftline_binary_realized_sql(monitor, rows_relation) %}
  {%- set perf = monitor.performance -%}
  {%- set metrics = perf.metrics -%}
  {%- set bv = perf.business_value_matrix -%}
  {%- set norm = perf.normalize_confusion_matrix -%}
  with labelled as (
    select period, chunk_index, y_true, y_pred, p0 from {{ rows_relation }} where y_true is not null
  ),
  counts as (
    select period, chunk_index, count(*) as n,
      sum(case when y_true <> 0 and y_pred <> 0 then 1 else 0 end) as tp,
      sum(case when y_true = 0 and y_pred <> 0 then 1 else 0 end) as fp,
      sum(case when y_true <> 0 and y_pred = 0 then 1 else 0 end) as fn,
      sum(case when y_true = 0 and y_pred = 0 then 1 else 0 end) as tn,
      sum(case when y_true = y_pred then 1 else 0 end) as correct,
      min(y_true) as min_true, max(y_true) as max_true, min(y_pred) as min_pred, max(y_pred) as max_pred
    from labelled where y_pred is not null
    group by period, chunk_index
  ),
  ranked as (
    select period, chunk_index, y_true,
      rank() over (partition by period, chunk_index order by p0)
        + (count(*) over (partition by period, chunk_index, p0) - 1) / 2.0 as average_rank
    from labelled where p0 is not null
  ),
  auc as (
    select period, chunk_index, count(*) as n,
      case when sum(case when y_true = 1 then 1 else 0 end) > 0 and sum(case when y_true = 1 then 0 else 1 end) > 0 then
        (sum(case when y_true = 1 then average_rank else 0 end)
          - sum(case when y_true = 1 then 1 else 0 end) * (sum(case when y_true = 1 then 1 else 0 end) + 1) / 2.0)
        / (cast(sum(case when y_true = 1 then 1 else 0 end) as {{ driftline_double() }}) * sum(case when y_true = 1 then 0 else 1 end))
      end as value
    from ranked group by period, chunk_index
  ),
  score_groups as (
    select period, chunk_index, p0, count(*) as n_at, sum(case when y_true = 1 then 1 else 0 end) as positives_at
    from labelled where p0 is not null group by period, chunk_index, p0
  ),
  score_cumulative as (
    select score_groups.*,
      sum(positives_at) over (partition by period, chunk_index order by p0 desc rows between unbounded preceding and current row) as tp_at,
      sum(n_at) over (partition by period, chunk_index order by p0 desc rows between unbounded preceding and current row) as predicted_at,
      sum(positives_at) over (partition by period, chunk_index) as positives,
      sum(n_at) over (partition by period, chunk_index) as n
    from score_groups
  ),
  ap as (
    select period, chunk_index, max(n) as n,
      case when max(positives) > 0 then
        sum(cast(positives_at as {{ driftline_double() }}) / nullif(positives, 0) * tp_at / predicted_at) end as value
    from score_cumulative group by period, chunk_index
  ),
  single_label as (
    select counts.*,
      (min_true = max_true and min_pred = max_pred and min_true = min_pred) as one_label_overall,
      (min_true = max_true or min_pred = max_pred) as one_label_somewhere
    from counts
  ),
  results as (
    {%- set selects = [] %}
    {%- if 'roc_auc' in metrics %}{%- do selects.append("select period, chunk_index, 'roc_auc' as method, 'roc_auc' as metric, value, n from auc") %}{%- endif %}
    {%- if 'average_precision' in metrics %}{%- do selects.append("select period, chunk_index, 'average_precision', 'average_precision', value, n from ap") %}{%- endif %}
    {%- if 'precision' in metrics %}{%- do selects.append("select period, chunk_index, 'precision', 'precision', case when not one_label_somewhere then cast(tp as " ~ driftline_double() ~ ") / nullif(tp + fp, 0) end, n from single_label") %}{%- endif %}
    {%- if 'recall' in metrics %}{%- do selects.append("select period, chunk_index, 'recall', 'recall', case when not one_label_somewhere then cast(tp as " ~ driftline_double() ~ ") / nullif(tp + fn, 0) end, n from single_label") %}{%- endif %}
    {%- if 'f1' in metrics %}{%- do selects.append("select period, chunk_index, 'f1', 'f1', case when not one_label_somewhere then 2.0 * tp / nullif(2 * tp + fp + fn, 0) end, n from single_label") %}{%- endif %}
    {%- if 'specificity' in metrics %}{%- do selects.append("select period, chunk_index, 'specificity', 'specificity', case when not one_label_overall then cast(tn as " ~ driftline_double() ~ ") / nullif(tn + fp, 0) end, n from single_label") %}{%- endif %}
    {%- if 'accuracy' in metrics %}{%- do selects.append("select period, chunk_index, 'accuracy', 'accuracy', cast(correct as " ~ driftline_double() ~ ") / nullif(n, 0), n from single_label") %}{%- endif %}
    {%- if 'confusion_matrix' in metrics %}
      {%- for cell, expr in driftline_binary_cells(norm, 'tp', 'fp', 'fn', 'tn', 'n').items() %}
        {%- do selects.append("select period, chunk_index, 'confusion_matrix', '" ~ cell ~ "', cast(" ~ expr ~ " as " ~ driftline_double() ~ "), n from single_label") %}
      {%- endfor %}
    {%- endif %}
    {%- if 'business_value' in metrics %}
      {%- set total = bv[0][0] + bv[0][1] + bv[1][0] + bv[1][1] -%}
      {%- do selects.append("select period, chunk_index, 'business_value', 'business_value', case when one_label_overall then "
          ~ ("cast(" ~ total ~ " as " ~ driftline_double() ~ ")" if perf.normalize_business_value == 'per_prediction' else "cast(n as " ~ driftline_double() ~ ") * " ~ total)
          ~ " else " ~ driftline_business_value_expr(bv, perf.normalize_business_value, 'tn', 'fp', 'fn', 'tp') ~ " end, n from single_label") %}
    {%- endif %}
    {{ selects | join('\n    union all\n    ') }}
  )
  select * from results
{% endmacro %}


{% macro driftline_binary_cells(normalize, tp, fp, fn, tn, n) %}
  {#- The four confusion-matrix cells from (expected or realized) counts, normalised as configured. -#}
  {%- set d = driftline_double() -%}
  {%- if normalize == 'all' -%}
    {{ return({'true_positive': 'cast(' ~ tp ~ ' as ' ~ d ~ ') / nullif(' ~ n ~ ', 0)', 'true_negative': 'cast(' ~ tn ~ ' as ' ~ d ~ ') / nullif(' ~ n ~ ', 0)',
               'false_positive': 'cast(' ~ fp ~ ' as ' ~ d ~ ') / nullif(' ~ n ~ ', 0)', 'false_negative': 'cast(' ~ fn ~ ' as ' ~ d ~ ') / nullif(' ~ n ~ ', 0)'}) }}
  {%- elif normalize == 'true' -%}
    {{ return({'true_positive': 'cast(' ~ tp ~ ' as ' ~ d ~ ') / nullif(' ~ tp ~ ' + ' ~ fn ~ ', 0)', 'true_negative': 'cast(' ~ tn ~ ' as ' ~ d ~ ') / nullif(' ~ tn ~ ' + ' ~ fp ~ ', 0)',
               'false_positive': 'cast(' ~ fp ~ ' as ' ~ d ~ ') / nullif(' ~ tn ~ ' + ' ~ fp ~ ', 0)', 'false_negative': 'cast(' ~ fn ~ ' as ' ~ d ~ ') / nullif(' ~ tp ~ ' + ' ~ fn ~ ', 0)'}) }}
  {%- elif normalize == 'pred' -%}
    {{ return({'true_positive': 'cast(' ~ tp ~ ' as ' ~ d ~ ') / nullif(' ~ tp ~ ' + ' ~ fp ~ ', 0)', 'true_negative': 'cast(' ~ tn ~ ' as ' ~ d ~ ') / nullif(' ~ tn ~ ' + ' ~ fn ~ ', 0)',
               'false_positive': 'cast(' ~ fp ~ ' as ' ~ d ~ ') / nullif(' ~ tp ~ ' + ' ~ fp ~ ', 0)', 'false_negative': 'cast(' ~ fn ~ ' as ' ~ d ~ ') / nullif(' ~ tn ~ ' + ' ~ fn ~ ', 0)'}) }}
  {%- else -%}
    {{ return({'true_positive': tp, 'true_negative': tn, 'false_positive': fp, 'false_negative': fn}) }}
  {%- endif -%}
{% endmacro %}


{% macro driftline_business_value_expr(bv, normalize, tn, fp, fn, tp) -%}
  {#- bv[true][pred]. Total value, or with per_prediction the sum over predicted classes of each class's
      mean value (NannyML's column normalisation; an empty predicted class contributes 0). -#}
  {%- set d = driftline_double() -%}
  {%- if normalize == 'per_prediction' -%}
  (coalesce(({{ bv[0][0] }} * cast({{ tn }} as {{ d }}) + {{ bv[1][0] }} * {{ fn }}) / nullif({{ tn }} + {{ fn }}, 0), 0)
   + coalesce(({{ bv[0][1] }} * cast({{ fp }} as {{ d }}) + {{ bv[1][1] }} * {{ tp }}) / nullif({{ fp }} + {{ tp }}, 0), 0))
  {%- else -%}
  ({{ bv[0][0] }} * cast({{ tn }} as {{ d }}) + {{ bv[0][1] }} * {{ fp }} + {{ bv[1][0] }} * {{ fn }} + {{ bv[1][1] }} * {{ tp }})
  {%- endif -%}
{%- endmacro %}
