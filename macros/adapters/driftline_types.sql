{#- Column types and small expressions that differ between engines. Keep every engine difference in this folder. -#}

{% macro driftline_double() %}{{ return(adapter.dispatch('driftline_double', 'driftline')()) }}{% endmacro %}
{% macro default__driftline_double() %}double precision{% endmacro %}
{% macro spark__driftline_double() %}double{% endmacro %}

{% macro driftline_text() %}{{ return(adapter.dispatch('driftline_text', 'driftline')()) }}{% endmacro %}
{% macro default__driftline_text() %}varchar{% endmacro %}
{% macro spark__driftline_text() %}string{% endmacro %}

{% macro driftline_log2(expr) %}{{ return(adapter.dispatch('driftline_log2', 'driftline')(expr)) }}{% endmacro %}
{% macro default__driftline_log2(expr) %}(ln({{ expr }}) / ln(2.0)){% endmacro %}
{% macro duckdb__driftline_log2(expr) %}log2({{ expr }}){% endmacro %}
{% macro spark__driftline_log2(expr) %}log2({{ expr }}){% endmacro %}


{#- A numeric feature value with NaN and +-inf turned into NULL: driftline treats all three as missing. -#}
{% macro driftline_clean_number(expr) %}{{ return(adapter.dispatch('driftline_clean_number', 'driftline')(expr)) }}{% endmacro %}
{% macro default__driftline_clean_number(expr) -%}
  case when cast({{ expr }} as {{ driftline_double() }}) in (cast('NaN' as {{ driftline_double() }}), cast('Infinity' as {{ driftline_double() }}), cast('-Infinity' as {{ driftline_double() }}))
       then null else cast({{ expr }} as {{ driftline_double() }}) end
{%- endmacro %}
{% macro duckdb__driftline_clean_number(expr) -%}
  case when isfinite(cast({{ expr }} as double)) then cast({{ expr }} as double) end
{%- endmacro %}


{#- A categorical feature value as text; booleans render as true/false on every engine. A float NaN
    (text 'NaN' or 'nan') is a missing value, as in pandas. -#}
{% macro driftline_category_text(expr) %}{{ return(adapter.dispatch('driftline_category_text', 'driftline')(expr)) }}{% endmacro %}
{% macro default__driftline_category_text(expr) -%}
  case when cast({{ expr }} as {{ driftline_text() }}) in ('NaN', 'nan') then null else cast({{ expr }} as {{ driftline_text() }}) end
{%- endmacro %}


{#- The median of a column within a GROUP BY: pandas' median (the mean of the two middle values). -#}
{% macro driftline_median(expr) %}{{ return(adapter.dispatch('driftline_median', 'driftline')(expr)) }}{% endmacro %}
{% macro default__driftline_median(expr) %}cast(percentile_cont(0.5) within group (order by {{ expr }}) as {{ driftline_double() }}){% endmacro %}


{#- A timestamp as 'YYYY-MM-DD' (or with ' HH:00' for hourly keys). -#}
{% macro driftline_format_day(expr) %}{{ return(adapter.dispatch('driftline_format_day', 'driftline')(expr)) }}{% endmacro %}
{% macro default__driftline_format_day(expr) %}to_char({{ expr }}, 'YYYY-MM-DD'){% endmacro %}
{% macro duckdb__driftline_format_day(expr) %}strftime({{ expr }}, '%Y-%m-%d'){% endmacro %}

{% macro driftline_format_hour(expr) %}{{ return(adapter.dispatch('driftline_format_hour', 'driftline')(expr)) }}{% endmacro %}
{% macro default__driftline_format_hour(expr) %}to_char({{ expr }}, 'YYYY-MM-DD HH24:00'){% endmacro %}
{% macro duckdb__driftline_format_hour(expr) %}strftime({{ expr }}, '%Y-%m-%d %H:00'){% endmacro %}
{#- Spark's datetime patterns: yyyy is the calendar year (YYYY would be the week-based year), dd the day of month. -#}
{% macro spark__driftline_format_day(expr) %}date_format({{ expr }}, 'yyyy-MM-dd'){% endmacro %}
{% macro spark__driftline_format_hour(expr) %}date_format({{ expr }}, 'yyyy-MM-dd HH:00'){% endmacro %}


{#- The integers 0 .. n-1 as a one-column relation `i`. -#}
{% macro driftline_integers(n) %}{{ return(adapter.dispatch('driftline_integers', 'driftline')(n)) }}{% endmacro %}
{% macro default__driftline_integers(n) %}select cast(generate_series(0, {{ n - 1 }}) as integer) as i{% endmacro %}
{% macro duckdb__driftline_integers(n) %}select cast(range as integer) as i from range(0, {{ n }}){% endmacro %}
{% macro spark__driftline_integers(n) -%}
  {%- if n > 0 -%}select cast(i as integer) as i from (select explode(sequence(0, {{ n - 1 }})) as i) as integers
  {%- else -%}select cast(null as integer) as i where 1 = 0{%- endif -%}
{%- endmacro %}


{#- Concatenate text ordered by a key, within a GROUP BY. -#}
{% macro driftline_string_agg(expr, order_by, separator=', ') %}{{ return(adapter.dispatch('driftline_string_agg', 'driftline')(expr, order_by, separator)) }}{% endmacro %}
{% macro default__driftline_string_agg(expr, order_by, separator) %}string_agg({{ expr }}, '{{ separator }}' order by {{ order_by }}){% endmacro %}
{#- Spark has no ordered string_agg: collect (key, value) pairs, sort them by key, join the non-null values;
    NULL when every value is NULL, as string_agg. -#}
{% macro spark__driftline_string_agg(expr, order_by, separator) -%}
  case when count({{ expr }}) > 0 then array_join(transform(filter(array_sort(collect_list(struct({{ order_by }} as k, {{ expr }} as v))),
    p -> p.v is not null), p -> p.v), '{{ separator }}') end
{%- endmacro %}


{#- After a model is built: refresh the planner's statistics where the engine needs it. PostgreSQL plans
    the next model's joins from these; without them it guesses 1 row and picks nested loops. -#}
{% macro driftline_analyze(relation) %}{{ return(adapter.dispatch('driftline_analyze', 'driftline')(relation)) }}{% endmacro %}
{% macro default__driftline_analyze(relation) %}{% endmacro %}
{% macro postgres__driftline_analyze(relation) %}analyze {{ relation }}{% endmacro %}


{#- The time a summary row was computed (a plain timestamp, the warehouse's clock). -#}
{% macro driftline_now() %}{{ return(adapter.dispatch('driftline_now', 'driftline')()) }}{% endmacro %}
{% macro default__driftline_now() %}cast(current_timestamp as timestamp){% endmacro %}


{#- numpy.round(x, digits): scale, round half to even, scale back. PostgreSQL's round(double precision)
    already rounds half to even; DuckDB's round() rounds half away from zero, so it uses round_even. -#}
{% macro driftline_round_half_even(expr, digits) %}{{ return(adapter.dispatch('driftline_round_half_even', 'driftline')(expr, digits)) }}{% endmacro %}
{% macro default__driftline_round_half_even(expr, digits) %}(round(cast(({{ expr }}) * 1e{{ digits }} as double precision)) / 1e{{ digits }}){% endmacro %}
{% macro duckdb__driftline_round_half_even(expr, digits) %}(round_even(cast(({{ expr }}) * 1e{{ digits }} as double), 0) / 1e{{ digits }}){% endmacro %}
{% macro spark__driftline_round_half_even(expr, digits) %}(bround(cast(({{ expr }}) * 1e{{ digits }} as double), 0) / 1e{{ digits }}){% endmacro %}


{#- A probability column: NaN, +-inf and values outside [0, 1] become NULL. -#}
{% macro driftline_clean_probability(expr) -%}
  case when {{ driftline_clean_number(expr) }} between 0 and 1 then {{ driftline_clean_number(expr) }} end
{%- endmacro %}


{#- `as materialized (...)` for a CTE that must be computed once (PostgreSQL otherwise inlines a CTE used
    once into a join and may re-evaluate it per row). Engines without the keyword get a plain CTE. -#}
{% macro driftline_materialized() %}{{ return(adapter.dispatch('driftline_materialized', 'driftline')()) }}{% endmacro %}
{% macro default__driftline_materialized() %}{% endmacro %}
{% macro postgres__driftline_materialized() %}materialized{% endmacro %}
{% macro duckdb__driftline_materialized() %}materialized{% endmacro %}


{#- Before each driftline model: planner settings where the engine needs them. driftline's models are
    analytical scans and aggregations whose intermediate CTEs have no statistics; PostgreSQL then tends to
    estimate one row and pick nested loops that run for minutes (measured: 6+ minutes vs 10 s for
    driftline_univariate_drift on a 16-monitor test project). Hash joins are right here, so nested loops
    are switched off for the model's transaction only (set local); joins with no equality still use them.
    JIT compilation is switched off too: LLVM needs minutes for the DLE trees' nested CASE expressions
    (measured: > 13 minutes for 6,200 rows, 37 s without JIT), and driftline's queries gain little from it. -#}
{% macro driftline_before_model() %}{{ return(adapter.dispatch('driftline_before_model', 'driftline')()) }}{% endmacro %}
{% macro default__driftline_before_model() %}{% endmacro %}
{% macro postgres__driftline_before_model() %}set local enable_nestloop = off; set local jit = off{% endmacro %}


{#- Before reading fitted state whose doubles the compile turns into SQL literals: make the engine print
    doubles with enough digits to read back exactly. PostgreSQL prints the shortest exact text unless a
    server sets extra_float_digits below 1; 3 forces 17 significant digits on this connection. -#}
{% macro driftline_exact_float_text() %}{{ return(adapter.dispatch('driftline_exact_float_text', 'driftline')()) }}{% endmacro %}
{% macro default__driftline_exact_float_text() %}{% endmacro %}
{% macro postgres__driftline_exact_float_text() %}{%- if execute -%}{%- do run_query('set extra_float_digits = 3') -%}{%- endif -%}{% endmacro %}


{#- The database part of a relation in the target: Spark relations have only schema and identifier. -#}
{% macro driftline_target_database() %}{{ return(adapter.dispatch('driftline_target_database', 'driftline')()) }}{% endmacro %}
{% macro default__driftline_target_database() %}{{ return(target.database) }}{% endmacro %}
{% macro spark__driftline_target_database() %}{{ return(none) }}{% endmacro %}


{#- The config of the chunk summary models (incremental by chunk: ADR 3). Their rows are replaced per
    (monitor, period, chunk_index). Spark without Delta has no delete+insert or merge on parquet tables, so
    those three keys are the table's partitions and the insert_overwrite strategy replaces exactly the
    partitions (chunks) a run recomputes (dynamic partition overwrite), leaving the other chunks in place. -#}
{% macro driftline_chunk_summary_config() %}{{ return(adapter.dispatch('driftline_chunk_summary_config', 'driftline')()) }}{% endmacro %}
{% macro default__driftline_chunk_summary_config() %}
  {{ return({'materialized': 'incremental', 'incremental_strategy': 'delete+insert', 'unique_key': ['monitor', 'period', 'chunk_index'], 'on_schema_change': 'fail'}) }}
{% endmacro %}
{% macro spark__driftline_chunk_summary_config() %}
  {{ return({'materialized': 'incremental', 'incremental_strategy': 'insert_overwrite', 'file_format': 'parquet',
             'partition_by': ['monitor', 'period', 'chunk_index'], 'on_schema_change': 'fail'}) }}
{% endmacro %}
