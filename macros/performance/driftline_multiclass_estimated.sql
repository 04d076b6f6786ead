{#- CBPE estimates for a multiclass classifier per chunk (algorithms.md §4.5), macro one-vs-rest over the
    K sorted classes c_0 .. c_{K-1}, from the renormalised calibrated probabilities pc0 .. pc{K-1}
    (driftline_multiclass_scored_ctes), the raw ones p0 .. p{K-1} and the predicted label y_pred.
    Long result like the binary version: period, chunk_index, method, metric, value, n.

    Rows used: roc_auc and average_precision use the rows with probabilities (pc non-NULL); every other
    metric also needs y_pred. n = that count; a metric has no row for a chunk where it is 0.
    For class c: yhat_c = [y_pred = c] (a label that is no class counts as "not c" for every class), and
      TP_c = sum over yhat_c of pc_c, FP_c = sum over yhat_c of (1 - pc_c),
      FN_c = sum over not yhat_c of pc_c, TN_c = sum over not yhat_c of (1 - pc_c).
      precision / recall / specificity / f1: the mean over classes of the binary estimator on
        (yhat_c, pc_c); a class whose denominator is 0 contributes 0.
      accuracy: the mean over rows of the calibrated probability of the predicted class (0 when y_pred
        is no class).
      roc_auc: the mean over classes of the binary estimator: rows ordered by the RAW p_c descending,
        cumulative sums of pc_c (expected TP) and k - that (expected FP), each rounded to 5 decimals half
        to even, normalised by their totals, trapezoid rule; NULL for a class whose totals are 0, and
        then for the mean. Ties among raw scores are broken by the row position, descending. NannyML
        reverses numpy's (unstable) argsort, whose order within ties is not specified, and within a tie
        the calibrated pc_c can differ (renormalisation involves the other classes), so on tied raw
        scores NannyML's value can differ from this one in the last digits.
      average_precision: the mean over classes of sum_k (recall_k - recall_k-1) x TPS_k / k, same
        ordering and rounding.
      confusion_matrix: E[i][j] = sum over rows of [y_pred = c_j] x pc_i (expected counts), normalised
        by nothing (None), the row sums ('true'), the column sums ('pred') or the total ('all');
        metric names true_{c_i}_pred_{c_j}. A zero sum gives NULL (NannyML: NaN).
      business_value: sum over i, j of BV[i][j] x E[i][j] (BV[true][pred] as configured, indexed by the
        sorted classes); per_prediction first divides each column of E by its sum (an empty column
        contributes 0).
    Not reproduced: two NannyML 0.13.1 exception paths (NannyML logs them as unexpected errors) that
    blank an estimate for reasons unrelated to it: roc_auc and average_precision are NaN in a chunk with
    a NULL y_pred (label_binarize refuses NaN, though neither metric uses y_pred), and every field of a
    metric is NaN when CBPE's own realized value for the chunk raises (average_precision when a class has
    no target in the chunk, roc_auc when a row's probabilities do not sum to 1). -#}

{% macro driftline_multiclass_estimated_sql(monitor, rows_relation) %}
  {%- set perf = monitor.performance -%}
  {%- set metrics = perf.metrics -%}
  {%- set classes = perf.classes -%}
  {%- set k = classes | length -%}
  {%- set d = driftline_double() -%}
  {%- set labels = [] -%}
  {%- for label in classes -%}{%- do labels.append(driftline_literal(label)) -%}{%- endfor -%}
  with mc_rows as (
    select period, chunk_index, row_pos, y_pred
      {%- for i in range(k) %}, p{{ i }}, pc{{ i }}{% endfor %}
    from {{ rows_relation }}
    where pc0 is not null
  ),
  mc_expected as (
    select period, chunk_index, count(y_pred) as n
      {%- for i in range(k) %},
      coalesce(sum(case when y_pred = {{ labels[i] }} then pc{{ i }} end), 0) as tp{{ i }},
      coalesce(sum(case when y_pred = {{ labels[i] }} then 1 - pc{{ i }} end), 0) as fp{{ i }},
      coalesce(sum(case when y_pred <> {{ labels[i] }} then pc{{ i }} end), 0) as fn{{ i }},
      coalesce(sum(case when y_pred <> {{ labels[i] }} then 1 - pc{{ i }} end), 0) as tn{{ i }}
        {%- for j in range(k) %},
      coalesce(sum(case when y_pred = {{ labels[j] }} then pc{{ i }} end), 0) as e{{ i }}_{{ j }}
        {%- endfor %}
      {%- endfor %},
      coalesce(sum(case {% for i in range(k) %}when y_pred = {{ labels[i] }} then pc{{ i }} {% endfor %}else 0 end), 0) as predicted_probability
    from mc_rows
    where y_pred is not null
    group by period, chunk_index
  ),
  {%- if 'roc_auc' in metrics or 'average_precision' in metrics %}
  mc_scores as (
    {%- for i in range(k) %}
    select period, chunk_index, row_pos, {{ i }} as class_index, p{{ i }} as p, pc{{ i }} as pc from mc_rows
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
  ),
  mc_ordered as (
    select period, chunk_index, class_index,
      row_number() over (partition by period, chunk_index, class_index order by p desc, row_pos desc) as k,
      sum(pc) over (partition by period, chunk_index, class_index order by p desc, row_pos desc
                    rows between unbounded preceding and current row) as tps
    from mc_scores
  ),
  mc_curve as (
    select period, chunk_index, class_index, k,
      {{ driftline_round_half_even('tps', 5) }} as tps,
      {{ driftline_round_half_even('k - tps', 5) }} as fps
    from mc_ordered
  ),
  mc_normalised as (
    {#- Both curves are non-decreasing (pc is in [0, 1]), so their maxima are the last values. -#}
    select mc_curve.*,
      max(tps) over (partition by period, chunk_index, class_index) as tps_total,
      max(fps) over (partition by period, chunk_index, class_index) as fps_total
    from mc_curve
  ),
  mc_stepped as (
    select period, chunk_index, class_index, k, tps, tps_total, fps_total,
      tps / nullif(tps_total, 0) as tpr, fps / nullif(fps_total, 0) as fpr,
      coalesce(lag(tps / nullif(tps_total, 0)) over (partition by period, chunk_index, class_index order by k), 0) as previous_tpr,
      coalesce(lag(fps / nullif(fps_total, 0)) over (partition by period, chunk_index, class_index order by k), 0) as previous_fpr
    from mc_normalised
  ),
  mc_class_ranking as (
    select period, chunk_index, class_index, count(*) as n,
      case when max(tps_total) > 0 and max(fps_total) > 0 then sum((fpr - previous_fpr) * (tpr + previous_tpr) / 2) end as roc_auc,
      case when max(tps_total) > 0 then sum((tpr - previous_tpr) * tps / k) end as average_precision
    from mc_stepped
    group by period, chunk_index, class_index
  ),
  mc_ranking as (
    {#- The mean over classes is NULL as soon as one class's value is (NannyML: NaN). -#}
    select period, chunk_index, max(n) as n,
      case when count(roc_auc) = {{ k }} then sum(roc_auc) / {{ k }} end as roc_auc,
      case when count(average_precision) = {{ k }} then sum(average_precision) / {{ k }} end as average_precision
    from mc_class_ranking
    group by period, chunk_index
  ),
  {%- endif %}
  results (period, chunk_index, method, metric, value, n) as (
    {#- column names here: a select list need not alias them (the first metric varies) -#}
    {%- set selects = [] %}
    {%- set from_expected = " from mc_expected where n > 0" %}
    {%- if 'roc_auc' in metrics %}{%- do selects.append("select period, chunk_index, 'roc_auc', 'roc_auc', cast(roc_auc as " ~ d ~ "), n from mc_ranking") %}{%- endif %}
    {%- if 'average_precision' in metrics %}{%- do selects.append("select period, chunk_index, 'average_precision', 'average_precision', average_precision, n from mc_ranking") %}{%- endif %}
    {%- set ratios = {
        'precision': ('tp{i}', 'tp{i} + fp{i}'),
        'recall': ('tp{i}', 'tp{i} + fn{i}'),
        'specificity': ('tn{i}', 'tn{i} + fp{i}'),
        'f1': ('tp{i}', 'tp{i} + (fp{i} + fn{i}) / 2'),
    } %}
    {%- for metric in ['precision', 'recall', 'specificity', 'f1'] if metric in metrics %}
      {%- set terms = [] %}
      {%- for i in range(k) %}
        {%- do terms.append("coalesce(" ~ ratios[metric][0].replace('{i}', i | string) ~ " / nullif(" ~ ratios[metric][1].replace('{i}', i | string) ~ ", 0), 0)") %}
      {%- endfor %}
      {%- do selects.append("select period, chunk_index, '" ~ metric ~ "', '" ~ metric ~ "', (" ~ (terms | join(' + ')) ~ ") / " ~ k ~ ", n" ~ from_expected) %}
    {%- endfor %}
    {%- if 'accuracy' in metrics %}{%- do selects.append("select period, chunk_index, 'accuracy', 'accuracy', predicted_probability / n, n" ~ from_expected) %}{%- endif %}
    {%- if 'confusion_matrix' in metrics %}
      {%- set norm = perf.normalize_confusion_matrix %}
      {%- for i in range(k) %}
        {%- for j in range(k) %}
          {%- set cell = 'e' ~ i ~ '_' ~ j %}
          {%- if norm == 'true' %}
            {%- set parts = [] %}{%- for jj in range(k) %}{%- do parts.append('e' ~ i ~ '_' ~ jj) %}{%- endfor %}
            {%- set expr = cell ~ ' / nullif(' ~ (parts | join(' + ')) ~ ', 0)' %}
          {%- elif norm == 'pred' %}
            {%- set parts = [] %}{%- for ii in range(k) %}{%- do parts.append('e' ~ ii ~ '_' ~ j) %}{%- endfor %}
            {%- set expr = cell ~ ' / nullif(' ~ (parts | join(' + ')) ~ ', 0)' %}
          {%- elif norm == 'all' %}
            {%- set parts = [] %}{%- for ii in range(k) %}{%- for jj in range(k) %}{%- do parts.append('e' ~ ii ~ '_' ~ jj) %}{%- endfor %}{%- endfor %}
            {%- set expr = cell ~ ' / nullif(' ~ (parts | join(' + ')) ~ ', 0)' %}
          {%- else %}
            {%- set expr = cell %}
          {%- endif %}
          {%- do selects.append("select period, chunk_index, 'confusion_matrix', " ~ driftline_literal('true_' ~ classes[i] ~ '_pred_' ~ classes[j]) ~ ", " ~ expr ~ ", n" ~ from_expected) %}
        {%- endfor %}
      {%- endfor %}
    {%- endif %}
    {%- if 'business_value' in metrics %}
      {%- do selects.append("select period, chunk_index, 'business_value', 'business_value', " ~ driftline_multiclass_business_value_expr(perf.business_value_matrix, perf.normalize_business_value, 'e{i}_{j}', k) ~ ", n" ~ from_expected) %}
    {%- endif %}
    {{ selects | join('\n    union all\n    ') }}
  )
  select * from results
{% endmacro %}


{% macro driftline_multiclass_business_value_expr(bv, normalize, cell_pattern, k) -%}
  {#- sum over i, j of BV[i][j] x cell(i, j) (i = true class, j = predicted class, sorted classes); with
      per_prediction each predicted class's column is first divided by its sum, an empty column giving 0
      (NannyML's column normalisation, not a division by the number of predictions). cell_pattern names
      the cell columns with {i} and {j} placeholders. -#}
  {%- set d = driftline_double() -%}
  {%- set columns = [] -%}
  {%- for j in range(k) -%}
    {%- set weighted = [] -%}
    {%- set plain = [] -%}
    {%- for i in range(k) -%}
      {%- set cell = 'cast(' ~ cell_pattern.replace('{i}', i | string).replace('{j}', j | string) ~ ' as ' ~ d ~ ')' -%}
      {%- do weighted.append(driftline_number_literal(bv[i][j]) ~ ' * ' ~ cell) -%}
      {%- do plain.append(cell) -%}
    {%- endfor -%}
    {%- if normalize == 'per_prediction' -%}
      {%- do columns.append('coalesce((' ~ (weighted | join(' + ')) ~ ') / nullif(' ~ (plain | join(' + ')) ~ ', 0), 0)') -%}
    {%- else -%}
      {%- do columns.append('(' ~ (weighted | join(' + ')) ~ ')') -%}
    {%- endif -%}
  {%- endfor -%}
  ({{ columns | join('\n      + ') }})
{%- endmacro %}
