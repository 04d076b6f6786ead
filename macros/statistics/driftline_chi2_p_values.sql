{#-
  driftline_chi2_p_values(relation_sql)

  The chi-square survival function Q(x; k) = P(X > x), X ~ chi2(k) (scipy.stats.chi2.sf(x, k)),
  for integer degrees of freedom, in SQL that runs unchanged on DuckDB and PostgreSQL.

  relation_sql: the text of a SELECT yielding at least `statistic` (double, >= 0, may be NULL) and
  `dof` (integer >= 0, may be NULL). Returns a SELECT yielding every input column plus `p_value` (double):
    NULL  when statistic or dof is NULL, or dof < 0;
    1.0   when dof = 0 or statistic <= 0 (exact, whatever the dof);
    NULL  when dof > 5000, the supported bound (see below);
    0.0   when statistic >= 1e300 (this includes +Infinity);
    else  Q(x; k), clamped into [0, 1].

  With x > 0, u = x / 2 and k <= 5000 (so m <= 2500; the bound is the size of the table of integers):
    even k = 2m:      Q = sum_{i=0}^{m-1} exp(-u + i ln u - ln i!)
    odd  k = 2m + 1:  Q = erfc(sqrt(u)) + sum_{i=1}^{m} exp(-u + (i - 1/2) ln u - ln Gamma(i + 1/2))
  where ln i! = sum_{j=1}^{i} ln j and ln Gamma(i + 1/2) = ln sqrt(pi) + sum_{j=1}^{i} ln(j - 1/2) are
  cumulative sums over the integers (no lgamma: PostgreSQL has none). Every term is positive, so the sums
  have no cancellation. PostgreSQL raises an error on exp() underflow, so a term whose exponent is below
  -740 (value < 5e-322) is taken as 0, and ln is only ever taken of positive numbers.
  Measured against scipy.stats.chi2.sf (dof 1..5000, p down to 1e-300): relative error < 1e-10; it comes
  from rounding in the running sums (~1e-11 on DuckDB, ~5e-11 on PostgreSQL near dof 5000).
  Package macros are called as driftline.<name>: dbt does not resolve unqualified package macros when the
  caller is another project.
-#}
{% macro driftline_chi2_p_values(relation_sql) %}
  {%- set max_dof = 5000 -%}
  {%- set min_exponent = -740 -%}
  select
      driftline_chi2_input.*,
      cast(
          case
              when driftline_chi2_args.x is null or driftline_chi2_args.dof is null then null
              when driftline_chi2_args.dof < 0 then null
              when driftline_chi2_args.dof = 0 or driftline_chi2_args.x <= 0 then 1.0
              when driftline_chi2_args.dof > {{ max_dof }} then null
              when driftline_chi2_args.x >= 1e300 then 0.0
              else least(1.0, greatest(0.0,
                  case when mod(driftline_chi2_args.dof, 2) = 1
                       then {{ driftline.driftline_erfc('driftline_chi2_args.z') }}
                       else 0.0 end
                  + coalesce(driftline_chi2_series.series_sum, 0.0)))
          end
      as {{ driftline.driftline_double() }}) as p_value
  from ({{ relation_sql }}) as driftline_chi2_input
  cross join lateral (
      select
          cast(driftline_chi2_input.statistic as {{ driftline.driftline_double() }}) as x,
          cast(driftline_chi2_input.dof as bigint) as dof,
          sqrt(greatest(cast(driftline_chi2_input.statistic as {{ driftline.driftline_double() }}), 0.0) / 2.0) as z,
          case when driftline_chi2_input.statistic > 0 and driftline_chi2_input.statistic < 1e300
               then ln(cast(driftline_chi2_input.statistic as {{ driftline.driftline_double() }})) - ln(2.0) end as ln_u
  ) as driftline_chi2_args
  cross join lateral (
      {#- One row whatever the input (an aggregate without GROUP BY); series_sum is NULL when no term applies. -#}
      select sum(case when terms.exponent < {{ min_exponent }} then 0.0
                      else exp(greatest(terms.exponent, {{ min_exponent }})) end) as series_sum
      from (
          select
              case when mod(driftline_chi2_args.dof, 2) = 0
                   then -driftline_chi2_args.x / 2.0 + log_gammas.i * driftline_chi2_args.ln_u - log_gammas.ln_factorial
                   else -driftline_chi2_args.x / 2.0 + (log_gammas.i - 0.5) * driftline_chi2_args.ln_u - log_gammas.ln_gamma_half
              end as exponent
          from (
              select
                  integers.i,
                  sum(case when integers.i = 0 then 0.0 else ln(cast(integers.i as {{ driftline.driftline_double() }})) end)
                      over (order by integers.i rows between unbounded preceding and current row) as ln_factorial,
                  ln(pi()) / 2.0
                  + sum(case when integers.i = 0 then 0.0 else ln(cast(integers.i as {{ driftline.driftline_double() }}) - 0.5) end)
                      over (order by integers.i rows between unbounded preceding and current row) as ln_gamma_half
              from ({{ driftline.driftline_integers(max_dof // 2 + 1) }}) as integers
          ) as log_gammas
          where driftline_chi2_args.ln_u is not null
            and driftline_chi2_args.dof between 1 and {{ max_dof }}
            and (
                (mod(driftline_chi2_args.dof, 2) = 0 and 2 * log_gammas.i < driftline_chi2_args.dof)
                or (mod(driftline_chi2_args.dof, 2) = 1 and log_gammas.i >= 1 and 2 * log_gammas.i < driftline_chi2_args.dof)
            )
      ) as terms
  ) as driftline_chi2_series
{% endmacro %}


{#-
  driftline_erfc(z_expr): the complementary error function erfc(z) for any real z, in pure arithmetic
  (no engine has erfc). W. J. Cody, "Rational Chebyshev approximations for the error function",
  Math. Comp. 23 (1969) 631-638, as in Netlib SPECFUN CALERF, with y = |z|:
    y <= 0.46875:      erfc(z) = 1 - z R1(y^2)                     (R1 a [4/4] rational for erf(y)/y)
    0.46875 < y <= 4:  erfc(y) = exp(-y^2) R2(y)                   (R2 an [8/8] rational)
    y > 4:             erfc(y) = exp(-y^2) / y (1/sqrt(pi) - R3(1/y^2) / y^2)   (R3 a [5/5] rational)
    erfc(-y) = 2 - erfc(y); erfc(y) is taken as 0 for y >= 27 (it is < 6e-319 there).
  Relative error below 2e-15 against scipy.special.erfc wherever erfc(z) > 1e-300.
  z_expr is repeated many times in the generated SQL: pass a column name or another cheap expression.
-#}
{% macro driftline_erfc(z_expr) -%}
  {%- set z = '(' ~ z_expr ~ ')' -%}
  {%- set y = 'abs' ~ z -%}
  {%- set a = ['1.85777706184603153e-1', '3.16112374387056560e0', '1.13864154151050156e2', '3.77485237685302021e2', '3.20937758913846947e3'] -%}
  {%- set b = ['1.0', '2.36012909523441209e1', '2.44024637934444173e2', '1.28261652607737228e3', '2.84423683343917062e3'] -%}
  {%- set c = ['2.15311535474403846e-8', '5.64188496988670089e-1', '8.88314979438837594e0', '6.61191906371416295e1', '2.98635138197400131e2',
               '8.81952221241769090e2', '1.71204761263407058e3', '2.05107837782607147e3', '1.23033935479799725e3'] -%}
  {%- set d = ['1.0', '1.57449261107098347e1', '1.17693950891312499e2', '5.37181101862009858e2', '1.62138957456669019e3',
               '3.29079923573345963e3', '4.36261909014324716e3', '3.43936767414372164e3', '1.23033935480374942e3'] -%}
  {%- set p = ['1.63153871373020978e-2', '3.05326634961232344e-1', '3.60344899949804439e-1', '1.25781726111229246e-1',
               '1.60837851487422766e-2', '6.58749161529837803e-4'] -%}
  {%- set q = ['1.0', '2.56852019228982242e0', '1.87295284992346725e0', '5.27905102951428412e-1', '6.05183413124413191e-2',
               '2.33520497626869185e-3'] -%}
  {%- set y2 = '(' ~ y ~ ' * ' ~ y ~ ')' -%}
  {%- set inv_y2 = '(1.0 / ' ~ y2 ~ ')' -%}
  {%- set erfc_y -%}
    (case
        when {{ y }} >= 27 then 0.0
        when {{ y }} <= 4
        then exp(-{{ y2 }}) * {{ driftline.driftline_horner(y, c) }} / {{ driftline.driftline_horner(y, d) }}
        else exp(-{{ y2 }}) / {{ y }}
             * (5.6418958354775628695e-1 - {{ inv_y2 }} * {{ driftline.driftline_horner(inv_y2, p) }} / {{ driftline.driftline_horner(inv_y2, q) }})
    end)
  {%- endset -%}
  (case
      when {{ z }} is null then null
      when {{ y }} <= 0.46875 then 1.0 - {{ z }} * {{ driftline.driftline_horner(y2, a) }} / {{ driftline.driftline_horner(y2, b) }}
      when {{ z }} > 0 then {{ erfc_y }}
      else 2.0 - {{ erfc_y }}
  end)
{%- endmacro %}


{#- c[0] v^n + c[1] v^(n-1) + ... + c[n] (n >= 1) in Horner form; coefficients are SQL literals, highest degree first. -#}
{% macro driftline_horner(v, coefficients) -%}
  {%- set leading = v if coefficients[0] == '1.0' else coefficients[0] ~ ' * ' ~ v -%}
  {%- set ns = namespace(sql=leading ~ ' + ' ~ coefficients[1]) -%}
  {%- for coefficient in coefficients[2:] -%}
    {%- set ns.sql = '(' ~ ns.sql ~ ') * ' ~ v ~ ' + ' ~ coefficient -%}
  {%- endfor -%}
  ({{ ns.sql }})
{%- endmacro %}
