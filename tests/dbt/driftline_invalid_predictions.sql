{{ config(severity='warn', tags=['driftline']) }}
{#- Prediction columns that performance monitoring cannot use: probabilities that are NULL, NaN, infinite
    or outside [0, 1] (those rows take no part in the metrics that need them), binary predictions other
    than 0/1 (they count as neither positive nor negative in the estimates), multiclass predictions that
    are not a class, and multiclass probability rows that do not sum to 1 (within 1e-6); for a regression
    monitor, predictions that are NULL, NaN or infinite, and negative predictions or targets when msle or
    rmsle is monitored. One row per
    monitor, period and kind of problem, with the count and the fix. -#}
{%- set monitors = driftline.driftline_monitors() -%}
{%- set checks = [] -%}
{%- for m in monitors if m.performance -%}
  {%- set perf = m.performance -%}
  {%- for period in ['reference', 'analysis'] -%}
    {%- set relation = m.reference_sql if period == 'reference' else m.analysis_sql -%}
    {%- set row_filter = m.reference_filter if period == 'reference' else m.analysis_filter -%}
    {%- set head = "select " ~ driftline.driftline_literal(m.name) ~ " as monitor, '" ~ period ~ "' as period, " -%}
    {%- for label, column in perf.proba_columns.items() -%}
      {%- do checks.append(head ~ driftline.driftline_literal("probability column " ~ column ~ " is NULL, NaN, infinite or outside [0, 1]")
          ~ " as problem, count(*) as n_rows from " ~ relation ~ " where (" ~ row_filter ~ ") and not coalesce("
          ~ driftline.driftline_clean_number(adapter.quote(column)) ~ " between 0 and 1, false)") -%}
    {%- endfor -%}
    {%- if m.problem_type == 'regression' -%}
      {#- regression: rows without a usable prediction are still scored by the DLE nanny models (as NannyML
          does) but leave the realized metrics and the sampling error's n; negative values void msle/rmsle -#}
      {%- do checks.append(head ~ driftline.driftline_literal("prediction column " ~ perf.y_pred ~ " is NULL, NaN or infinite")
          ~ " as problem, count(*) as n_rows from " ~ relation ~ " where (" ~ row_filter ~ ") and "
          ~ driftline.driftline_clean_number(adapter.quote(perf.y_pred)) ~ " is null") -%}
      {%- if 'msle' in perf.metrics or 'rmsle' in perf.metrics -%}
        {%- do checks.append(head ~ driftline.driftline_literal("prediction column " ~ perf.y_pred ~ " is negative (msle and rmsle are NULL for its chunks)")
            ~ " as problem, count(*) as n_rows from " ~ relation ~ " where (" ~ row_filter ~ ") and " ~ driftline.driftline_clean_number(adapter.quote(perf.y_pred)) ~ " < 0") -%}
        {%- if perf.targets_sql is none -%}
          {%- do checks.append(head ~ driftline.driftline_literal("target column " ~ perf.y_true ~ " is negative (msle and rmsle are NULL for its chunks)")
              ~ " as problem, count(*) as n_rows from " ~ relation ~ " where (" ~ row_filter ~ ") and " ~ driftline.driftline_clean_number(adapter.quote(perf.y_true)) ~ " < 0") -%}
        {%- endif -%}
      {%- endif -%}
    {%- elif m.problem_type == 'classification_binary' -%}
      {%- do checks.append(head ~ driftline.driftline_literal("prediction column " ~ perf.y_pred ~ " is not 0 or 1")
          ~ " as problem, count(*) as n_rows from " ~ relation ~ " where (" ~ row_filter ~ ") and " ~ adapter.quote(perf.y_pred)
          ~ " is not null and cast(" ~ adapter.quote(perf.y_pred) ~ " as " ~ driftline.driftline_double() ~ ") not in (0, 1)") -%}
    {%- else -%}
      {%- set labels = [] -%}{%- for c in perf.classes -%}{%- do labels.append(driftline.driftline_literal(c)) -%}{%- endfor -%}
      {%- do checks.append(head ~ driftline.driftline_literal("prediction column " ~ perf.y_pred ~ " holds a value that is not a class")
          ~ " as problem, count(*) as n_rows from " ~ relation ~ " where (" ~ row_filter ~ ") and " ~ adapter.quote(perf.y_pred)
          ~ " is not null and cast(" ~ adapter.quote(perf.y_pred) ~ " as " ~ driftline.driftline_text() ~ ") not in (" ~ (labels | join(', ')) ~ ")") -%}
      {%- set total = [] -%}{%- for c in perf.proba_columns.values() -%}{%- do total.append(adapter.quote(c)) -%}{%- endfor -%}
      {%- do checks.append(head ~ driftline.driftline_literal("probability columns do not sum to 1")
          ~ " as problem, count(*) as n_rows from " ~ relation ~ " where (" ~ row_filter ~ ") and abs(" ~ (total | join(' + ')) ~ " - 1) > 1e-6") -%}
    {%- endif -%}
  {%- endfor -%}
{%- endfor %}
{%- if checks %}
select monitor, period, problem, n_rows,
       'monitor ' || monitor || ': ' || cast(n_rows as {{ driftline.driftline_text() }}) || ' ' || period || ' rows: ' || problem
         || '. Fix: correct the model output upstream, or filter those rows out of the monitored relation.' as message
from (
  {{ checks | join('\n  union all\n  ') }}
) as counted
where n_rows > 0
{%- else %}
select 1 as monitor where 1 = 0
{%- endif %}
