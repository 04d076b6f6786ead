{#- Realized multiclass metrics per chunk (algorithms.md §6), from the rows whose target has arrived,
    with NannyML's PerformanceCalculator rules on top of scikit-learn (labels = the K sorted classes).
    Long result: period, chunk_index, method, metric, value, n.

    Rows used: y_true not NULL and the metric's other columns not NULL (roc_auc, average_precision: every
    raw probability p0 .. p{K-1}; the others: y_pred). n = that count; a metric has no row for a chunk
    where it is 0 (NannyML: NaN).
      roc_auc            mean over classes of the one-vs-rest AUC (Mann-Whitney with average ranks for
                         ties, on the raw p_c). NULL unless the chunk's y_true holds exactly the K classes,
                         and NULL when any row's probabilities do not sum to 1 as sklearn checks it
                         (np.allclose: |sum - 1| > 1e-8 + 1e-5 |sum| refuses).
      average_precision  mean over classes of sklearn's AP (sum over distinct scores, descending, of the
                         recall step x precision). NULL unless y_true holds exactly the K classes (a single
                         value is NannyML's NaN; a missing class makes sklearn fail).
      precision, recall, f1   sklearn macro averages with labels; a class with a zero denominator
                         counts 0 (zero_division). NULL when y_true or y_pred has a single distinct value.
      specificity        mean over classes of TN / (TN + FP); same single-value rule; NULL if a class
                         has TN + FP = 0 (numpy NaN in the mean).
      accuracy           share of rows with y_pred = y_true; no other rule.
      confusion_matrix   counts C[i][j] = #(y_true = c_i, y_pred = c_j) (labels outside the classes count
                         nowhere), normalised by the row sums ('true'), column sums ('pred') or the total
                         ('all'), a zero sum giving 0 (sklearn's nan_to_num); every cell NULL when y_true
                         or y_pred has a single distinct value.
      business_value     sum of BV[i][j] x C[i][j]; per_prediction divides each column by its sum first
                         (empty column: 0). No single-value rule (sklearn gets the labels, so no 1x1 matrix). -#}

{% macro driftline_multiclass_realized_sql(monitor, rows_relation) %}
  {%- set perf = monitor.performance -%}
  {%- set metrics = perf.metrics -%}
  {%- set classes = perf.classes -%}
  {%- set k = classes | length -%}
  {%- set d = driftline_double() -%}
  {%- set labels = [] -%}
  {%- for label in classes -%}{%- do labels.append(driftline_literal(label)) -%}{%- endfor -%}
  with mc_labelled as (
    select period, chunk_index, y_true, y_pred{% for i in range(k) %}, p{{ i }}{% endfor %}
    from {{ rows_relation }}
    where y_true is not null
  ),
  mc_counts as (
    select period, chunk_index, count(*) as n,
      count(distinct y_true) as true_values, count(distinct y_pred) as pred_values,
      sum(case when y_true = y_pred then 1 else 0 end) as correct
      {%- for i in range(k) %},
      sum(case when y_true = {{ labels[i] }} then 1 else 0 end) as true{{ i }},
      sum(case when y_pred = {{ labels[i] }} then 1 else 0 end) as pred{{ i }}
        {%- for j in range(k) %},
      sum(case when y_true = {{ labels[i] }} and y_pred = {{ labels[j] }} then 1 else 0 end) as c{{ i }}_{{ j }}
        {%- endfor %}
      {%- endfor %}
    from mc_labelled
    where y_pred is not null
    group by period, chunk_index
  ),
  mc_class_counts as (
    {#- One-vs-rest counts per class, as sklearn's multilabel_confusion_matrix with labels. -#}
    {%- for i in range(k) %}
    select period, chunk_index, n, true_values, pred_values, {{ i }} as class_index,
      cast(c{{ i }}_{{ i }} as {{ d }}) as tp,
      cast(pred{{ i }} - c{{ i }}_{{ i }} as {{ d }}) as fp,
      cast(true{{ i }} - c{{ i }}_{{ i }} as {{ d }}) as fn,
      cast(n - true{{ i }} - pred{{ i }} + c{{ i }}_{{ i }} as {{ d }}) as tn
    from mc_counts
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
  ),
  mc_macro as (
    select period, chunk_index, max(n) as n, (max(true_values) > 1 and max(pred_values) > 1) as defined,
      sum(coalesce(tp / nullif(tp + fp, 0), 0)) / {{ k }} as precision_value,
      sum(coalesce(tp / nullif(tp + fn, 0), 0)) / {{ k }} as recall_value,
      sum(coalesce(2 * tp / nullif(2 * tp + fp + fn, 0), 0)) / {{ k }} as f1_value,
      case when count(tn / nullif(tn + fp, 0)) = {{ k }} then sum(tn / nullif(tn + fp, 0)) / {{ k }} end as specificity_value
    from mc_class_counts
    group by period, chunk_index
  ),
  {%- if 'roc_auc' in metrics or 'average_precision' in metrics %}
  mc_scored_rows as (
    select * from mc_labelled
    where {% for i in range(k) %}p{{ i }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
  ),
  mc_score_checks as (
    {#- exactly the K classes in y_true; every row's probabilities sum to 1 (np.allclose(1, sum)). -#}
    {%- set row_sum -%}({% for i in range(k) %}p{{ i }}{% if not loop.last %} + {% endif %}{% endfor %}){%- endset %}
    select period, chunk_index, count(*) as n,
      (count(distinct y_true) = {{ k }}
       and count(distinct case when y_true in ({{ labels | join(', ') }}) then y_true end) = {{ k }}) as all_classes,
      max(case when abs(1 - {{ row_sum }}) > 1e-8 + 1e-5 * abs({{ row_sum }}) then 1 else 0 end) = 0 as sums_to_one
    from mc_scored_rows
    group by period, chunk_index
  ),
  mc_class_scores as (
    {%- for i in range(k) %}
    select period, chunk_index, {{ i }} as class_index, case when y_true = {{ labels[i] }} then 1 else 0 end as positive, p{{ i }} as p
    from mc_scored_rows
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
  ),
  {%- endif %}
  {%- if 'roc_auc' in metrics %}
  mc_ranked as (
    select period, chunk_index, class_index, positive,
      rank() over (partition by period, chunk_index, class_index order by p)
        + (count(*) over (partition by period, chunk_index, class_index, p) - 1) / 2.0 as average_rank
    from mc_class_scores
  ),
  mc_class_auc as (
    select period, chunk_index, class_index,
      case when sum(positive) > 0 and sum(1 - positive) > 0 then
        (sum(case when positive = 1 then average_rank else 0 end) - sum(positive) * (sum(positive) + 1) / 2.0)
        / nullif(cast(sum(positive) as {{ d }}) * sum(1 - positive), 0)
      end as value
    from mc_ranked
    group by period, chunk_index, class_index
  ),
  mc_auc as (
    select a.period, a.chunk_index, max(c.n) as n,
      case when bool_and(c.all_classes) and bool_and(c.sums_to_one) and count(a.value) = {{ k }}
           then sum(a.value) / {{ k }} end as value
    from mc_class_auc as a
    inner join mc_score_checks as c on c.period = a.period and c.chunk_index = a.chunk_index
    group by a.period, a.chunk_index
  ),
  {%- endif %}
  {%- if 'average_precision' in metrics %}
  mc_score_groups as (
    select period, chunk_index, class_index, p, count(*) as n_at, sum(positive) as positives_at
    from mc_class_scores
    group by period, chunk_index, class_index, p
  ),
  mc_score_cumulative as (
    select mc_score_groups.*,
      sum(positives_at) over (partition by period, chunk_index, class_index order by p desc rows between unbounded preceding and current row) as tp_at,
      sum(n_at) over (partition by period, chunk_index, class_index order by p desc rows between unbounded preceding and current row) as predicted_at,
      sum(positives_at) over (partition by period, chunk_index, class_index) as positives
    from mc_score_groups
  ),
  mc_class_ap as (
    select period, chunk_index, class_index,
      case when max(positives) > 0 then
        sum(cast(positives_at as {{ d }}) / nullif(positives, 0) * tp_at / predicted_at) end as value
    from mc_score_cumulative
    group by period, chunk_index, class_index
  ),
  mc_ap as (
    select a.period, a.chunk_index, max(c.n) as n,
      case when bool_and(c.all_classes) and count(a.value) = {{ k }} then sum(a.value) / {{ k }} end as value
    from mc_class_ap as a
    inner join mc_score_checks as c on c.period = a.period and c.chunk_index = a.chunk_index
    group by a.period, a.chunk_index
  ),
  {%- endif %}
  results (period, chunk_index, method, metric, value, n) as (
    {#- column names here: a select list need not alias them (the first metric varies) -#}
    {%- set selects = [] %}
    {%- if 'roc_auc' in metrics %}{%- do selects.append("select period, chunk_index, 'roc_auc', 'roc_auc', cast(value as " ~ d ~ "), n from mc_auc") %}{%- endif %}
    {%- if 'average_precision' in metrics %}{%- do selects.append("select period, chunk_index, 'average_precision', 'average_precision', value, n from mc_ap") %}{%- endif %}
    {%- for metric in ['precision', 'recall', 'f1', 'specificity'] if metric in metrics %}
      {%- do selects.append("select period, chunk_index, '" ~ metric ~ "', '" ~ metric ~ "', case when defined then " ~ metric ~ "_value end, n from mc_macro") %}
    {%- endfor %}
    {%- if 'accuracy' in metrics %}{%- do selects.append("select period, chunk_index, 'accuracy', 'accuracy', cast(correct as " ~ d ~ ") / n, n from mc_counts") %}{%- endif %}
    {%- if 'confusion_matrix' in metrics %}
      {%- set norm = perf.normalize_confusion_matrix %}
      {%- for i in range(k) %}
        {%- for j in range(k) %}
          {%- set cell = 'cast(c' ~ i ~ '_' ~ j ~ ' as ' ~ d ~ ')' %}
          {%- set parts = [] %}
          {%- if norm == 'true' %}
            {%- for jj in range(k) %}{%- do parts.append('c' ~ i ~ '_' ~ jj) %}{%- endfor %}
          {%- elif norm == 'pred' %}
            {%- for ii in range(k) %}{%- do parts.append('c' ~ ii ~ '_' ~ j) %}{%- endfor %}
          {%- elif norm == 'all' %}
            {%- for ii in range(k) %}{%- for jj in range(k) %}{%- do parts.append('c' ~ ii ~ '_' ~ jj) %}{%- endfor %}{%- endfor %}
          {%- endif %}
          {%- set expr = cell if not parts else 'coalesce(' ~ cell ~ ' / nullif(' ~ (parts | join(' + ')) ~ ', 0), 0)' %}
          {%- do selects.append("select period, chunk_index, 'confusion_matrix', " ~ driftline_literal('true_' ~ classes[i] ~ '_pred_' ~ classes[j])
              ~ ", case when true_values > 1 and pred_values > 1 then " ~ expr ~ " end, n from mc_counts") %}
        {%- endfor %}
      {%- endfor %}
    {%- endif %}
    {%- if 'business_value' in metrics %}
      {%- do selects.append("select period, chunk_index, 'business_value', 'business_value', " ~ driftline_multiclass_business_value_expr(perf.business_value_matrix, perf.normalize_business_value, 'c{i}_{j}', k) ~ ", n from mc_counts") %}
    {%- endif %}
    {{ selects | join('\n    union all\n    ') }}
  )
  select * from results
{% endmacro %}
