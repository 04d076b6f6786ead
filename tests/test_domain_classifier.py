"""Multivariate drift by domain classifier: NannyML 0.13.1's numbers (oracle fixtures written by
tests/oracle/domain_classifier.py, single-threaded LightGBM), on its own and through dbt on both adapters,
the documented results on awkward input, and incremental runs that compute only new or changed chunks."""
import math

import numpy as np
import pandas as pd
import pytest

from support import domain_classifier_data as dc
from support import parity
from support.dbt import PYTHON_MODEL_ADAPTERS, DbtProject
from driftline.fitting.domain_classifier import Layout, analysis_chunk_auroc, encode, reference_chunk_auroc

EDGE_LAYOUT = Layout(dc.EDGE_CONTINUOUS, dc.EDGE_CATEGORICAL, numeric_categorical=["code"])
VALUE = "domain_classifier_auroc_value"


def _as_warehouse_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Categories as the SQL side hands them over: text, booleans as true/false, NULL as NaN."""
    out = frame.copy()
    for c in dc.EDGE_CATEGORICAL:
        out[c] = [np.nan if pd.isna(v) else (str(v).lower() if isinstance(v, (bool, np.bool_)) else str(v)) for v in out[c]]
        out[c] = out[c].astype(object)
    return out


# -- the Python function on its own ------------------------------------------------------------------------------

@pytest.mark.parametrize("case", sorted(dc.EDGE_CASES))
def test_edge_cases_match_nannyml(case):
    frames = {k: _as_warehouse_text(v) for k, v in dc.edge_frames().items()}
    n_reference, n_analysis, _ = dc.EDGE_CASES[case]
    reference, analysis = frames["reference"].head(n_reference), frames["analysis"].head(n_analysis)
    expected = dc.expected_edge()
    expected = expected[expected["case"] == case]
    assert len(expected) > 0
    for row in expected.itertuples():
        if row.chunk_period == "reference":
            value = reference_chunk_auroc(reference, row.chunk_start_index, row.chunk_end_index, EDGE_LAYOUT)
        else:
            value = analysis_chunk_auroc(reference, analysis.iloc[row.chunk_start_index: row.chunk_end_index + 1], EDGE_LAYOUT)
        nannyml = getattr(row, VALUE)
        if math.isnan(nannyml):   # the whole reference as one chunk: a single class
            assert value is None
        else:
            assert value == pytest.approx(nannyml, abs=1e-12), (case, row.chunk_period, row.chunk_key)


def test_encoding_layout():
    """Categorical columns by name, a numeric one declared categorical after them, then continuous by name;
    categories sorted (numbers as numbers), NULL kept missing, encoded on exactly the rows given."""
    frame = pd.DataFrame({"z": [1.0, None, 3.0], "a": [2.0, 2.0, 2.0], "k": ["b", None, "a"],
                          "code": ["10", "9", None], "flag": ["true", "false", "true"]}, dtype=object)
    encoded = encode(frame, Layout(["z", "a"], ["k", "code", "flag"], numeric_categorical=["code"]))
    assert list(encoded.columns) == ["flag", "k", "code", "a", "z"]
    assert encoded["flag"].tolist() == [1.0, 0.0, 1.0]
    assert encoded["k"].tolist()[0] == 1.0 and math.isnan(encoded["k"][1]) and encoded["k"][2] == 0.0
    assert encoded["code"].tolist()[:2] == [1.0, 0.0] and math.isnan(encoded["code"][2])   # 9 < 10 as numbers
    assert math.isnan(encoded["z"][1]) and encoded["a"].tolist() == [2.0, 2.0, 2.0]


def test_too_few_rows_to_fold_is_none():
    """StratifiedKFold needs 5 rows of at least one class; NannyML raises there, driftline gives None."""
    frames = {k: _as_warehouse_text(v) for k, v in dc.edge_frames().items()}
    reference = frames["reference"].head(dc.TINY_REFERENCE)
    assert reference_chunk_auroc(reference, 0, 1, EDGE_LAYOUT) is None
    assert analysis_chunk_auroc(reference, frames["analysis"].head(2), EDGE_LAYOUT) is None
    # one class with 5 rows is enough (sklearn only warns): 4 reference rows + a 5-row chunk
    assert analysis_chunk_auroc(reference, frames["analysis"].head(5), EDGE_LAYOUT) is not None


def test_single_class_is_none():
    frames = {k: _as_warehouse_text(v) for k, v in dc.edge_frames().items()}
    assert reference_chunk_auroc(frames["reference"], 0, len(frames["reference"]) - 1, EDGE_LAYOUT) is None


def test_identical_chunk_is_near_one_half():
    """A chunk that is a copy of reference rows cannot be told apart from them much better than chance."""
    frames = {k: _as_warehouse_text(v) for k, v in dc.edge_frames().items()}
    value = analysis_chunk_auroc(frames["reference"], frames["reference"].iloc[:100], EDGE_LAYOUT)
    assert 0.3 < value < 0.7


# -- through dbt, both adapters -----------------------------------------------------------------------------------

def _dc_rows(built, monitor: str) -> pd.DataFrame:
    """The domain_classifier rows of driftline_multivariate_drift (built: anything with .table(name, monitor))."""
    mv = built.table("driftline_multivariate_drift", monitor)
    mv = mv[mv["method"] == "domain_classifier"]
    return mv.sort_values(["period", "chunk_index"], ascending=[False, True]).reset_index(drop=True)


def _assert_matches(ours: pd.DataFrame, expected: pd.DataFrame) -> None:
    expected = expected.sort_values(["chunk_period", "chunk_index"], ascending=[False, True]).reset_index(drop=True)
    assert len(ours) == len(expected) > 0
    assert ours["period"].tolist() == expected["chunk_period"].tolist()
    assert ours["chunk_key"].tolist() == expected["chunk_key"].tolist()
    for mine, theirs in zip(ours.itertuples(), expected.itertuples()):
        nannyml = getattr(theirs, VALUE)
        if math.isnan(nannyml):
            assert pd.isna(mine.value), mine.chunk_key
        else:
            assert abs(mine.value - nannyml) < 1e-6, (mine.period, mine.chunk_key, mine.value, nannyml)
        assert mine.lower_threshold == theirs.domain_classifier_auroc_lower_threshold
        assert mine.upper_threshold == theirs.domain_classifier_auroc_upper_threshold
        assert bool(mine.alert) == bool(theirs.domain_classifier_auroc_alert), (mine.period, mine.chunk_key)
        assert pd.isna(mine.sampling_error) and pd.isna(mine.lower_confidence) and pd.isna(mine.upper_confidence)


@pytest.mark.parametrize("dataset", parity.DATASETS)
def test_parity_with_nannyml(domain_classifier_outputs, dataset):
    expected = dc.expected_parity()
    _assert_matches(_dc_rows(domain_classifier_outputs, f"dc_{dataset}"), expected[expected["dataset"] == dataset])


@pytest.mark.parametrize("case", sorted(dc.EDGE_CASES))
def test_edge_parity_with_nannyml(domain_classifier_outputs, case):
    expected = dc.expected_edge()
    _assert_matches(_dc_rows(domain_classifier_outputs, f"dc_{case}"), expected[expected["case"] == case])


def test_reference_too_small_to_fold_gives_null_without_alert(domain_classifier_outputs):
    rows = _dc_rows(domain_classifier_outputs, "dc_tiny_reference")
    assert len(rows) == 2 + 202   # 4 reference rows and 403 analysis rows in chunks of 2
    assert rows["value"].isna().all() and not rows["alert"].astype(bool).any()


def test_pca_reconstruction_unchanged_beside_it(domain_classifier_outputs):
    mv = domain_classifier_outputs.table("driftline_multivariate_drift", "dc_car_loan")
    pca = mv[mv["method"] == "pca_reconstruction"].sort_values(["period", "chunk_index"], ascending=[False, True])
    expected = pd.read_csv(parity.PARITY / "car_loan" / "data_reconstruction.csv")
    assert np.allclose(pca["value"].to_numpy(), expected["reconstruction_error_value"].to_numpy(), atol=1e-9)
    assert pca["alert"].astype(bool).tolist() == expected["reconstruction_error_alert"].tolist()


def test_alerts_table_lists_domain_classifier_alerts(domain_classifier_outputs):
    alerts = domain_classifier_outputs.table("driftline_alerts", "dc_car_loan")
    dc_alerts = alerts[(alerts["family"] == "multivariate_drift") & (alerts["method"] == "domain_classifier")]
    expected = dc.expected_parity()
    expected = expected[(expected["dataset"] == "car_loan") & (expected["chunk_period"] == "analysis")]
    assert sorted(dc_alerts["chunk_index"]) == sorted(expected.loc[expected["domain_classifier_auroc_alert"], "chunk_index"])


def test_values_table_records_cost(domain_classifier_outputs):
    values = domain_classifier_outputs.table("driftline__chunk_domain_classifier", "dc_car_loan")
    assert len(values) == 20 and (values["n_reference"] == 50_000).all()
    assert (values["compute_seconds"] > 0).all()


def test_adapters_agree(workdir):
    from conftest import domain_classifier_build

    duck, pg = (domain_classifier_build(a, workdir).table("driftline_multivariate_drift")
                .sort_values(["monitor", "method", "period", "chunk_index"]).reset_index(drop=True) for a in ("duckdb", "postgres"))
    assert len(duck) == len(pg) > 0
    for col in ("monitor", "method", "period", "chunk_index", "chunk_key"):
        assert duck[col].tolist() == pg[col].tolist(), col
    for col in ("value", "lower_threshold", "upper_threshold"):
        x, y = duck[col].astype(float).to_numpy(), pg[col].astype(float).to_numpy()
        assert np.array_equal(np.isnan(x), np.isnan(y)), col
        assert np.allclose(x[~np.isnan(x)], y[~np.isnan(y)], rtol=0, atol=1e-9), col
    assert duck["alert"].astype(bool).tolist() == pg["alert"].astype(bool).tolist()


# -- incremental runs ---------------------------------------------------------------------------------------------

FIRST_ROWS = 350


class Incremental:
    """The dc_edge case on its own project: 350 analysis rows first, then all 403."""

    def __init__(self, adapter, workdir):
        from conftest import make_warehouse

        self.wh = make_warehouse(adapter, workdir)
        self.data, self.schema = "dl_dc_incr_data", "dl_dc_incr"
        self.wh.reset_schema(self.data)
        self.wh.execute(f'drop schema if exists "{self.schema}" cascade')
        self.frames = dc.edge_frames()
        self.wh.load(self.data, "edge_reference", self.frames["reference"])
        self.load_analysis(FIRST_ROWS)
        self.project = DbtProject(workdir, adapter, self.schema, self.wh.duckdb_path, variant="incremental")
        self.adapter = adapter

    def load_analysis(self, n: int) -> None:
        self.wh.load(self.data, "edge_analysis", self.frames["analysis"].head(n))

    def monitor(self, **changes) -> dict:
        return dc.edge_monitor(self.data, "dc_edge", "edge", 100, **changes)

    def values(self) -> pd.DataFrame:
        return self.table("driftline__chunk_domain_classifier").sort_values(["period", "chunk_index"])

    def table(self, name: str, monitor: str | None = None) -> pd.DataFrame:
        return self.wh.table(self.schema, name, monitor)


@pytest.fixture(scope="module")
def incremental(adapter, workdir):
    return Incremental(adapter, workdir)


def _computed_at(values: pd.DataFrame) -> dict:
    return {(r.period, r.chunk_index): r.computed_at for r in values.itertuples()}


def test_incremental_runs_compute_only_new_or_changed_chunks(incremental):
    inc = incremental
    inc.project.build([inc.monitor()])
    first = _computed_at(inc.values())
    assert sorted(first) == [("analysis", i) for i in range(4)] + [("reference", i) for i in range(4)]

    # unrelated settings (another univariate method, a threshold override) recompute nothing
    changed = inc.monitor(univariate={"continuous_methods": ["jensen_shannon", "wasserstein"]},
                          thresholds={"domain_classifier": {"type": "constant", "lower": 0.4, "upper": 0.7}})
    inc.project.build([changed])
    assert _computed_at(inc.values()) == first
    rows = _dc_rows(inc, "dc_edge")
    assert set(rows["upper_threshold"]) == {0.7} and set(rows["lower_threshold"]) == {0.4}

    # 53 more rows: chunk 3 grows from 50 to 100 rows, chunk 4 (3 rows) is new; the rest is kept
    inc.load_analysis(len(inc.frames["analysis"]))
    if inc.adapter not in PYTHON_MODEL_ADAPTERS:
        done = inc.project.run("build", monitors=[changed], expect_fail=True)
        message = done.output
        for fragment in ("dc_edge", "domain classifier", "no value for 2 chunk(s)", "analysis chunk 3", "driftline fit", "before every"):
            assert fragment in message, (fragment, message[-3000:])
    inc.project.build([changed])
    second = _computed_at(inc.values())
    recomputed = {k for k in second if first.get(k) != second[k]}
    assert recomputed == {("analysis", 3), ("analysis", 4)}

    # and the result equals NannyML's on the whole data (a full computation)
    expected = dc.expected_edge()
    expected = expected[expected["case"] == "edge"].copy()
    expected["domain_classifier_auroc_lower_threshold"], expected["domain_classifier_auroc_upper_threshold"] = 0.4, 0.7
    value = expected[VALUE]
    expected["domain_classifier_auroc_alert"] = (value < 0.4) | (value > 0.7)
    _assert_matches(_dc_rows(inc, "dc_edge"), expected)


def test_full_refresh_recomputes_every_chunk(incremental):
    inc = incremental
    before = _computed_at(inc.values())
    monitors = [inc.monitor()]
    if inc.adapter in PYTHON_MODEL_ADAPTERS:
        inc.project.run("build", "--full-refresh", monitors=monitors)
    else:
        done = inc.project.fit(monitors, False, "--full-refresh")
        assert "domain classifier computed for 9 chunk(s)" in done.output
        inc.project.run("build", monitors=monitors)
    after = _computed_at(inc.values())
    assert set(after) == set(before) and all(after[k] != before[k] for k in after)
