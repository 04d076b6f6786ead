{#- Apply a fitted isotonic calibration map in SQL: the map is the knots (x_i, y_i) of scikit-learn's
    IsotonicRegression(out_of_bounds='clip'), and its prediction is linear interpolation between knots
    (scipy's interp1d: the score is clipped to [x_0, x_last], then for x_lo < p <= x_hi,
    p~ = (y_hi - y_lo) / (x_hi - x_lo) * (p - x_lo) + y_lo; p = x_0 maps to y_0). A class that needs no
    calibration has no knots and keeps its score. Each distinct score is mapped once, then joined back. -#}

{% macro driftline_calibration_map_sql(monitor, class_label, fit_relation, scores_sql) %}
  with knots as (
    select knot_index, x, y from {{ fit_relation }}
    where monitor = {{ driftline_literal(monitor.name) }} and item = 'knot' and class_label = {{ driftline_literal(class_label) }}
  ),
  segments as (
    select x as x_lo, y as y_lo,
           lead(x) over (order by knot_index) as x_hi, lead(y) over (order by knot_index) as y_hi
    from knots
  ),
  knot_range as (
    select min(x) as x_min, max(x) as x_max, count(*) as n_knots,
           max(case when knot_index = 0 then y end) as y_first
    from knots
  ),
  scores as (
    select distinct score, least(greatest(score, r.x_min), r.x_max) as clipped, r.n_knots, r.y_first, r.x_min
    from ({{ scores_sql }}) as s cross join knot_range as r
    where score is not null
  )
  select s.score,
    case
      when s.n_knots = 0 then s.score
      when s.n_knots = 1 then s.y_first
      else (g.y_hi - g.y_lo) / (g.x_hi - g.x_lo) * (s.clipped - g.x_lo) + g.y_lo
    end as calibrated
  from scores as s
  left join segments as g
    on g.x_hi is not null
   and ((s.clipped > g.x_lo and s.clipped <= g.x_hi) or (s.clipped = s.x_min and g.x_lo = s.x_min))
{% endmacro %}
