"""Awkward inputs (support/edge_data.py), each with a documented result, checked against an independent
numpy/scipy computation of the same statistics (support/oracle.py)."""
import math

import numpy as np
import pandas as pd
import pytest

from support import edge_data, oracle

TOL = dict(rel_tol=1e-9, abs_tol=1e-12)


def rows(table, **where):
    mask = np.ones(len(table), dtype=bool)
    for key, value in where.items():
        mask &= (table[key] == value).to_numpy()
    return table[mask]


def one(table, **where):
    found = rows(table, **where)
    assert len(found) == 1, f"expected one row for {where}, got {len(found)}"
    return found.iloc[0]


def analysis_chunk(frames, chunk_index):
    start = chunk_index * edge_data.CHUNK
    return frames["analysis"].iloc[start: start + edge_data.CHUNK]


def test_univariate_matches_scipy_for_every_chunk(edge_outputs):
    """Every method on every column and chunk (both periods) equals scipy on the raw rows; the reference
    has 3,000 values, so Kolmogorov-Smirnov and Wasserstein are exact (NannyML's auto rule)."""
    uni = edge_outputs.table("driftline_univariate_drift", "edge")
    frames = edge_outputs.frames
    checked = 0
    for period in ("reference", "analysis"):
        for chunk_index, (start, end) in enumerate(oracle.size_chunks(len(frames[period]), edge_data.CHUNK)):
            chunk = frames[period].iloc[start: end + 1]
            for col in edge_data.CONTINUOUS:
                ref, cur = oracle.clean(frames["reference"][col]), oracle.clean(chunk[col])
                got = rows(uni, period=period, chunk_index=chunk_index, column_name=col).set_index("method")["value"]
                if len(cur) == 0:
                    assert got.isna().all()
                    continue
                p, q = oracle.doane_shares(ref, cur)
                expected = {"jensen_shannon": oracle.jensen_shannon(p, q), "hellinger": oracle.hellinger(p, q),
                            "kolmogorov_smirnov": oracle.kolmogorov_smirnov(ref, cur), "wasserstein": oracle.wasserstein(ref, cur)}
                for method, value in expected.items():
                    assert math.isclose(got[method], value, **TOL), (period, chunk_index, col, method)
                    checked += 1
            for col in edge_data.CATEGORICAL:
                ref, cur = frames["reference"][col], chunk[col]
                got = rows(uni, period=period, chunk_index=chunk_index, column_name=col).set_index("method")
                p, q = oracle.category_shares(ref, cur)
                statistic, p_value = oracle.chi2(ref, cur)
                expected = {"jensen_shannon": oracle.jensen_shannon(p, q), "hellinger": oracle.hellinger(p, q),
                            "l_infinity": oracle.l_infinity(ref, cur), "chi2": statistic}
                for method, value in expected.items():
                    assert math.isclose(got.loc[method, "value"], value, **TOL), (period, chunk_index, col, method)
                    checked += 1
                assert math.isclose(got.loc["chi2", "p_value"], p_value, **TOL)
                assert bool(got.loc["chi2", "alert"]) == (p_value < 0.05)
    assert checked == 12 * (4 * 4 + 4 * 4) - 4  # the all-NULL chunk has no continuous values for x_gap


def test_nan_and_infinity_count_as_missing(edge_outputs):
    """NaN, +inf, -inf and NULL are all missing values (NannyML counts inf as present but cannot bin it)."""
    dq = edge_outputs.table("driftline_data_quality", "edge")
    missing = one(dq, period="analysis", chunk_index=0, column_name="Car Value", check_name="missing")
    assert missing["count"] == 13 and math.isclose(missing.value, 13 / 500)
    stats = edge_outputs.table("driftline_summary_stats", "edge")
    chunk = analysis_chunk(edge_outputs.frames, 0)
    values = oracle.clean(chunk["Car Value"])
    avg = one(stats, period="analysis", chunk_index=0, column_name="Car Value", statistic="avg")
    assert math.isclose(avg.value, values.mean(), **TOL)
    total = one(stats, period="analysis", chunk_index=0, column_name="Car Value", statistic="sum")
    assert math.isclose(total.value, values.sum(), **TOL)
    med = one(stats, period="analysis", chunk_index=0, column_name="Car Value", statistic="median")
    assert math.isclose(med.value, float(np.median(values)), **TOL)
    std = one(stats, period="analysis", chunk_index=0, column_name="Car Value", statistic="std")
    assert math.isclose(std.value, float(np.std(values, ddof=1)), **TOL)


def test_all_null_chunk(edge_outputs):
    """x_gap is NULL throughout analysis chunk 2: no distance (NULL, no alert), missing rate 1 (alert),
    avg/std/median NULL (summary stats alert on NULL, as NannyML), sum 0."""
    uni = rows(edge_outputs.table("driftline_univariate_drift", "edge"), period="analysis", chunk_index=2, column_name="x_gap")
    assert len(uni) == 4 and uni.value.isna().all() and not uni.alert.astype(bool).any()
    missing = one(edge_outputs.table("driftline_data_quality", "edge"), period="analysis", chunk_index=2, column_name="x_gap", check_name="missing")
    assert missing.value == 1.0 and bool(missing.alert)
    stats = rows(edge_outputs.table("driftline_summary_stats", "edge"), period="analysis", chunk_index=2, column_name="x_gap").set_index("statistic")
    assert stats.loc[["avg", "std", "median"], "value"].isna().all()
    assert stats.loc[["avg", "std", "median"], "alert"].astype(bool).all()
    assert stats.loc["sum", "value"] == 0.0


def test_constant_reference_column(edge_outputs):
    """x_const is 5.0 in the whole reference: Doane gives one bin [4.5, 5.5] (numpy), drift is measured
    against a point mass, sampling errors that divide by the reference std are 0 (avg, median) or NULL (std)."""
    uni = edge_outputs.table("driftline_univariate_drift", "edge")
    steady = rows(uni, period="analysis", chunk_index=0, column_name="x_const")
    assert (steady.value.abs() < 1e-12).all() and not steady.alert.astype(bool).any()
    moved = rows(uni, period="analysis", chunk_index=1, column_name="x_const").set_index("method")
    assert (moved.value > 0).all() and moved.alert.astype(bool).all()
    stats = rows(edge_outputs.table("driftline_summary_stats", "edge"), period="analysis", chunk_index=1, column_name="x_const").set_index("statistic")
    assert stats.loc["avg", "sampling_error"] == 0.0 and stats.loc["median", "sampling_error"] == 0.0
    assert pd.isna(stats.loc["std", "sampling_error"])
    assert stats.loc["std", "lower_threshold"] is None or pd.isna(stats.loc["std", "lower_threshold"])  # 0 -> no bound (override to None)


def test_unseen_categories_are_counted_and_named(edge_outputs):
    dq = edge_outputs.table("driftline_data_quality", "edge")
    unseen = one(dq, period="analysis", chunk_index=3, column_name="cat_str", check_name="unseen")
    # NULLs are not unseen: the reference has NULLs in cat_str too (pandas isin matches NaN with NaN)
    assert unseen["count"] == 63 and math.isclose(unseen.value, 63 / 500) and bool(unseen.alert)
    assert unseen.unseen_values == "D (60), E (3)"
    assert unseen.upper_threshold == 0 and pd.isna(unseen.lower_threshold)
    other = rows(dq, period="analysis", check_name="unseen", column_name="cat_str")
    assert (other[other.chunk_index != 3]["count"] == 0).all()
    int_unseen = one(dq, period="analysis", chunk_index=4, column_name="cat_int", check_name="unseen")
    assert int_unseen["count"] == 50 and int_unseen.unseen_values == "4 (50)"


def test_boolean_and_integer_columns_as_categorical(edge_outputs):
    """Booleans and integers declared categorical are compared as categories (their text form)."""
    bins = edge_outputs.warehouse.query(
        f'select distinct category from "{edge_outputs.schema}"."driftline__chunk_bins" '
        f"where monitor = 'edge' and column_name in ('cat_bool', 'cat_int') order by 1")
    assert list(bins.category) == ["1", "2", "3", "4", "false", "true"]


def test_quoted_mixed_case_and_spaced_names_keep_their_spelling(edge_outputs):
    uni = edge_outputs.table("driftline_univariate_drift", "edge")
    assert {"Car Value", "select", "MixedCat"} <= set(uni.column_name)


def test_reference_with_fewer_than_six_chunks_warns(edge_outputs):
    chunks = edge_outputs.table("driftline_chunks", "edge_small_reference")
    assert (chunks.period == "reference").sum() == 3
    # the warn test returns one row per monitor whose reference has fewer than 6 chunks (run_results.json)
    every = edge_outputs.table("driftline_chunks")
    short = every[every.period == "reference"].groupby("monitor").size().lt(6)
    result = edge_outputs.invocation.node("driftline_reference_has_six_chunks")
    assert result.status == "warn" and result.failures == int(short.sum()) >= 1, result


def test_a_paused_monitor_has_no_rows_anywhere(edge_outputs):
    """`enabled: false` leaves the monitor out of every table (and its broken settings unchecked); the others run."""
    for table in ("driftline_chunks", "driftline_univariate_drift", "driftline_data_quality", "driftline_alerts"):
        monitors = set(edge_outputs.table(table)["monitor"])
        assert "edge_paused" not in monitors and "edge_thresholds" in monitors, table


def test_empty_analysis_yields_reference_rows_only(edge_outputs):
    for table in ("driftline_chunks", "driftline_univariate_drift", "driftline_data_quality", "driftline_summary_stats"):
        out = edge_outputs.table(table, "edge_empty_analysis")
        assert len(out) > 0 and set(out.period) == {"reference"}


def test_rows_without_timestamp_are_left_out_with_a_warning(edge_outputs):
    chunks = edge_outputs.table("driftline_chunks", "edge_timestamp_nulls")
    analysis = chunks[chunks.period == "analysis"]
    dropped = int((edge_outputs.frames["analysis"].index % 81 == 5).sum())
    assert analysis.n_rows.sum() == edge_data.N_ANALYSIS - dropped
    # one failing row per monitor and period with NULL timestamps: only this monitor's analysis (run_results.json)
    result = edge_outputs.invocation.node("driftline_rows_without_timestamp")
    assert result.status == "warn" and result.failures == 1, result


@pytest.mark.parametrize("monitor", ["edge_window", "edge_where"])
def test_reference_as_window_or_predicate_equals_separate_relation(edge_outputs, monitor):
    """The same split given three ways (relation, start/end window, where) gives identical results."""
    uni = edge_outputs.table("driftline_univariate_drift")
    keys = ["period", "chunk_index", "column_name", "method"]
    base = uni[uni.monitor == "edge"].sort_values(keys).reset_index(drop=True)
    other = uni[uni.monitor == monitor].sort_values(keys).reset_index(drop=True)
    assert len(base) == len(other) > 0
    assert (base.chunk_key == other.chunk_key).all()
    assert np.allclose(base.value.astype(float), other.value.astype(float), rtol=1e-12, atol=1e-15, equal_nan=True)


def test_remainder_append_and_drop(edge_outputs):
    """incomplete='append' merges the remainder into the last chunk; 'drop' leaves it out of every chunk
    but not out of the reference distribution (NannyML fits on the whole reference)."""
    chunks = edge_outputs.table("driftline_chunks")
    appended = chunks[(chunks.monitor == "edge_continuous_append") & (chunks.period == "analysis")].sort_values("chunk_index")
    # 3000 // 7 = 428 per chunk: 7 chunks, the last one takes the 4 remainder rows
    assert list(appended.n_rows) == [428] * 6 + [432]
    assert appended.chunk_key.iloc[-1] == "[2568:2999]"
    dropped = chunks[(chunks.monitor == "edge_categorical_drop") & (chunks.period == "reference")].sort_values("chunk_index")
    assert list(dropped.n_rows) == [700] * 4 and dropped.chunk_end_index.max() == 2799
    uni = edge_outputs.table("driftline_univariate_drift", "edge_categorical_drop")
    frames = edge_outputs.frames
    row = one(uni, period="analysis", chunk_index=1, column_name="cat_str", method="jensen_shannon")
    p, q = oracle.category_shares(frames["reference"]["cat_str"], frames["analysis"]["cat_str"].iloc[700:1400])
    assert math.isclose(row.value, oracle.jensen_shannon(p, q), **TOL)
    cont = one(edge_outputs.table("driftline_univariate_drift", "edge_continuous_append"),
               period="analysis", chunk_index=6, column_name="Car Value", method="kolmogorov_smirnov")
    ref = oracle.clean(frames["reference"]["Car Value"])
    assert math.isclose(cont.value, oracle.kolmogorov_smirnov(ref, oracle.clean(frames["analysis"]["Car Value"].iloc[2568:])), **TOL)


def test_threshold_overrides(edge_outputs):
    """Per-method overrides replace NannyML's defaults; limits still clamp (JS lower limit 0)."""
    uni = edge_outputs.table("driftline_univariate_drift", "edge_thresholds")
    js = uni[uni.method == "jensen_shannon"]
    assert (js.lower_threshold == 0.01).all() and (js.upper_threshold == 0.2).all()
    assert ((js.value > 0.2) | (js.value < 0.01)).eq(js.alert.astype(bool)).all()
    ks = uni[uni.method == "kolmogorov_smirnov"]  # not overridden: default (no lower bound)
    assert ks.lower_threshold.isna().all() and ks.upper_threshold.notna().all()
    dq = edge_outputs.table("driftline_data_quality", "edge_thresholds")
    missing = dq[(dq.check_name == "missing") & (dq.column_name == "cat_str")]
    ref_rates = missing[missing.period == "reference"].value.astype(float)
    assert missing.lower_threshold.isna().all()
    assert np.allclose(missing.upper_threshold.astype(float), ref_rates.mean() + ref_rates.std(ddof=0), rtol=1e-12)
    stats = edge_outputs.table("driftline_summary_stats", "edge_thresholds")
    avg = stats[(stats.statistic == "avg") & (stats.column_name == "Car Value")]
    assert (avg.upper_threshold == 30000).all() and avg.lower_threshold.isna().all()


@pytest.mark.parametrize("unit,pandas_freq", [("hour", "h"), ("day", "D"), ("week", "W"), ("month", "M"), ("quarter", "Q"), ("year", "Y")])
def test_period_chunk_keys_follow_pandas_periods(edge_outputs, unit, pandas_freq):
    """Keys and start dates as str(pandas.Period) and Period.start_time; ends at the period's last microsecond."""
    chunks = edge_outputs.table("driftline_chunks", f"edge_period_{unit}")
    for period in ("reference", "analysis"):
        periods = edge_outputs.frames[period]["ts"].dt.to_period(pandas_freq)
        expected = periods.value_counts().sort_index()
        got = chunks[chunks.period == period].sort_values("chunk_index")
        assert list(got.chunk_key) == [str(p) for p in expected.index]
        assert list(got.n_rows) == list(expected.values)
        assert list(pd.to_datetime(got.chunk_start_date)) == [p.start_time for p in expected.index]
        assert list(pd.to_datetime(got.chunk_end_date)) == [p.end_time.floor("us") for p in expected.index]


def _as_warehouse_text(frame):
    """The edge frame as driftline reads it: NaN/inf missing, categories as their SQL text."""
    out = frame.copy()
    for col in edge_data.CONTINUOUS:
        values = pd.to_numeric(out[col], errors="coerce").astype(float)
        out[col] = values.where(np.isfinite(values))
    for col in edge_data.CATEGORICAL:
        out[col] = [None if v is None or (isinstance(v, float) and np.isnan(v)) else
                    (str(v).lower() if isinstance(v, (bool, np.bool_)) else str(v)) for v in out[col]]
    return out


def test_pca_reconstruction_matches_python_on_awkward_inputs(edge_outputs):
    """Multivariate drift with a constant reference column (scale 1), an all-NULL chunk (mean-imputed),
    categorical NULLs (mode-imputed) and unseen categories (frequency 0): the SQL scoring equals the
    Python computation from the same fit, chunk by chunk."""
    from driftline.fitting.reconstruction import encode, fit_reconstruction, reconstruction_errors

    mv = edge_outputs.table("driftline_multivariate_drift", "edge")
    frames = {k: _as_warehouse_text(v) for k, v in edge_outputs.frames.items()}
    state = fit_reconstruction(frames["reference"], edge_data.CONTINUOUS, edge_data.CATEGORICAL)
    for period in ("reference", "analysis"):
        for chunk_index, (start, end) in enumerate(oracle.size_chunks(len(frames[period]), edge_data.CHUNK)):
            errors = reconstruction_errors(encode(frames[period].iloc[start:end + 1], edge_data.CONTINUOUS, edge_data.CATEGORICAL, state), state)
            row = one(mv, period=period, chunk_index=chunk_index)
            assert math.isclose(row.value, errors.mean(), rel_tol=1e-9), (period, chunk_index)
            assert math.isclose(row.sampling_error, errors.std(ddof=1) / math.sqrt(len(errors)), rel_tol=1e-9)
    assert mv[mv.period == "analysis"].alert.astype(bool).any()
