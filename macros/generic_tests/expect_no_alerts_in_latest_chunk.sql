{#- Great-Expectations-style generic test for driftline_alerts (or any table with its columns): fails with one
    row per open alert of each monitor's latest analysis chunk that the driftline_alert_exceptions seed does
    not allow-list. Optional filters, as lists: `families` (e.g. ['performance', 'multivariate_drift']) and
    `monitors`. The severity comes from the test's config; the package sets it from the var
    driftline_alert_severity (default 'warn'). -#}
{% test expect_no_alerts_in_latest_chunk(model, families=none, monitors=none) %}
select monitor, chunk_key, family, kind, column_name, method, value, lower_threshold, upper_threshold,
       likely_causes
from {{ model }}
where is_latest_chunk
  and not allow_listed
  {%- if families %}
  and family in ({% for f in families %}{{ driftline.driftline_literal(f) }}{{ ", " if not loop.last }}{% endfor %})
  {%- endif %}
  {%- if monitors %}
  and monitor in ({% for m in monitors %}{{ driftline.driftline_literal(m) }}{{ ", " if not loop.last }}{% endfor %})
  {%- endif %}
{% endtest %}
