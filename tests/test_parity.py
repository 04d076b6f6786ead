"""Parity with NannyML 0.13.1 on tests/fixtures/parity: every value, threshold and alert of univariate drift,
data quality and summary statistics, with chunk keys and boundaries, on every adapter."""
import math

import pandas as pd
import pytest

from support import parity

CASES = parity.parity_cases()


@pytest.mark.parametrize("dataset,monitor,stem,table", CASES, ids=[f"{c[1]}-{c[2]}" for c in CASES])
def test_matches_nannyml(parity_outputs, dataset, monitor, stem, table):
    actual = parity_outputs.table(table, monitor)
    rtol = 1e-9 if stem == "stats_sum" else 0.0
    atol = 0.0 if stem == "stats_sum" else 1e-6
    result = parity.comparator().compare(str(parity.PARITY / dataset), stem, actual, atol=atol, rtol=rtol)
    parity.record(parity_outputs, dataset, stem, result.compared)
    assert result.compared > 0 and result.ok, result.message()


def test_chunk_catalogue_matches_nannyml(parity_outputs):
    """Chunk keys, indices and boundaries for every chunking, read from NannyML's own result files."""
    chunks = parity_outputs.table("driftline_chunks")
    for dataset, monitor, stem, _ in CASES:
        expected = pd.read_csv(parity.PARITY / dataset / f"{stem}.csv", usecols=lambda c: c.startswith("chunk_"))
        got = chunks[chunks.monitor == monitor].sort_values(["period", "chunk_index"], ascending=[False, True])
        assert list(got.chunk_key) == list(expected.chunk_key)
        assert list(got.chunk_start_index) == list(expected.chunk_start_index)
        assert list(got.chunk_end_index) == list(expected.chunk_end_index)
        assert list(got.period) == list(expected.chunk_period)
        starts = pd.to_datetime(expected.chunk_start_date)
        assert (pd.to_datetime(got.chunk_start_date).values == starts.values).all()
        ends = pd.to_datetime(expected.chunk_end_date).dt.floor("us")  # warehouses keep microseconds
        assert (pd.to_datetime(got.chunk_end_date).values == ends.values).all()


def test_chi2_p_values_drive_alerts(parity_outputs):
    """chi2 has no thresholds; its alert is p < 0.05 (NannyML's rule), so check the p-values behind the alerts."""
    uni = parity_outputs.table("driftline_univariate_drift", "car_loan")
    chi2 = uni[uni.method == "chi2"]
    assert len(chi2) == 60
    assert chi2.lower_threshold.isna().all() and chi2.upper_threshold.isna().all()
    assert ((chi2.p_value < 0.05) == chi2.alert.astype(bool)).all()
    # independent computation: scipy's chi2_contingency on the raw rows of each chunk
    from scipy.stats import chi2_contingency
    frames = parity.read_dataset("car_loan")
    for period, frame in frames.items():
        frame = frame.sort_values(["timestamp", "id"]).reset_index(drop=True)
        for row in chi2[chi2.period == period].itertuples():
            column = frame[row.column_name].astype(str)
            chunk = column.iloc[row.chunk_start_index: row.chunk_end_index + 1]
            table = pd.concat([frames["reference"][row.column_name].astype(str).value_counts(), chunk.value_counts()], axis=1).fillna(0)
            statistic, p_value, _, _ = chi2_contingency(table.T.values)
            assert math.isclose(row.value, statistic, rel_tol=1e-9)
            assert math.isclose(row.p_value, p_value, rel_tol=1e-9, abs_tol=1e-12)
