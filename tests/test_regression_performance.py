"""Regression performance on DuckDB and PostgreSQL: DLE estimates and realized metrics (algorithms.md §3.3, §5, §6).

One dbt build per adapter (cached for the session, so the adapters can be compared) holds:
  reg            the oracle data set (tests/support/regression_data.py): every number against NannyML 0.13.1
                 (tests/fixtures/regression_dle, written by tests/oracle/regression_dle.py)
  reg_edge       the same with an all-NULL, a single-category and a constant feature, negative targets in one
                 chunk, a chunk without any y_pred and unseen categories
  reg_tiny       a 6-row reference (fewer rows than features)
  reg_awkward    analysis rows placed on every split threshold of the nanny models (and one ulp either side),
  reg_zero       NULLs, zeros, +-1e-35f, unseen and NULL categories - with LightGBM's default missing-value
  reg_nomissing  handling, zero_as_missing and use_missing: false
The SQL's per-row predictions are compared with LightGBM's Booster.predict, the realized metrics with
scikit-learn, and the estimates of the awkward monitors with the boosters' chunk means.
"""
from __future__ import annotations

import copy
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from driftline.fitting import dle
from support import parity
from support import regression_data as rd
from support.dbt import REPO, DbtProject, failing_rows

DATA = "dl_reg_data"
OUT = "dl_reg"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "regression_dle"
METRICS = list(dle.METRICS)
AWKWARD = {"reg_awkward": {}, "reg_zero": {"zero_as_missing": True, "n_estimators": 40},
           "reg_nomissing": {"use_missing": False, "n_estimators": 40}}
EDGE_CONTINUOUS = rd.CONTINUOUS + ["blank", "flat"]
EDGE_CATEGORICAL = rd.CATEGORICAL + ["one_cat"]


# -- data ------------------------------------------------------------------------------------------------------------

def as_warehouse_reads(frame: pd.DataFrame, categorical=rd.CATEGORICAL) -> pd.DataFrame:
    """A frame as driftline's SQL hands it to the fit and the scoring: categories as text, booleans 'true'/'false'."""
    out = frame.copy()
    for c in categorical:
        values = out[c].astype(object)
        if c == "automatic":
            values = values.map({True: "true", False: "false"})
        out[c] = values.where(values.notna(), None)
    return out


def edge_frames(frames):
    reference = frames["reference"].assign(blank=np.nan, one_cat="x", flat=7.0)
    analysis = frames["analysis"].assign(blank=1.5, one_cat="x", flat=-3.0)
    analysis.loc[100:199, "one_cat"] = "unseen"
    analysis.loc[1000:1009, "y_true"] = -50.0          # chunk 2: msle and rmsle undefined
    analysis.loc[2500:2999, "y_pred"] = np.nan         # chunk 5: no prediction at all
    return reference, analysis


class Fit:
    """The nanny models of one monitor, fitted in the test with LightGBM itself (not read back from trees)."""

    def __init__(self, reference, continuous, categorical, metrics, hyperparameters=None):
        self.continuous, self.categorical = continuous, categorical
        frame = as_warehouse_reads(reference, categorical)
        self.state = dle.fit_dle(frame, continuous=continuous, categorical=categorical, y_true="y_true", y_pred="y_pred",
                                 metrics=metrics, hyperparameters=hyperparameters)
        self.codes = {c: {r.category: int(r.code) for r in self.state[(self.state.item == "category") & (self.state.column_name == c)].itertuples()}
                      for c in categorical}
        X = dle.design_matrix(frame, continuous, categorical, "y_pred", self.codes)
        usable = frame.y_true.notna() & frame.y_pred.notna()
        y, yhat = frame.y_true[usable].to_numpy(float), frame.y_pred[usable].to_numpy(float)
        self.boosters = {model: dle.fit_nanny_model(X[usable.to_numpy()], dle.observation_losses(y, yhat, model), categorical, hyperparameters)
                         for model in dict.fromkeys(dle.MODEL_OF_METRIC[m] for m in metrics)}

    def predict(self, frame, model):
        X = dle.design_matrix(as_warehouse_reads(frame, self.categorical), self.continuous, self.categorical, "y_pred", self.codes)
        return self.boosters[model].predict(X)

    def thresholds(self):
        nodes = self.state[(self.state.item == "node") & self.state.threshold.notna()]
        return nodes[["column_name", "threshold"]].drop_duplicates()


def awkward_rows(fits, base: pd.DataFrame) -> pd.DataFrame:
    """Rows on every split threshold (and one ulp either side) of the given fits, plus special values."""
    rows = []
    k = dle.ZERO_THRESHOLD
    pairs = pd.concat([f.thresholds() for f in fits]).drop_duplicates()
    for i, (column, t) in enumerate(pairs.itertuples(index=False)):
        for value in (t, np.nextafter(t, np.inf), np.nextafter(t, -np.inf)):
            row = base.iloc[(3 * i) % len(base)].to_dict()
            row[column] = value
            rows.append(row)
    specials = {"age": [np.nan, 0.0, -k, k, 1e-36], "km": [np.nan, 0.0, 1e12], "discount": [0.0, -0.0, np.nan, -k, k, 1e-36, -1e-36],
                "y_pred": [np.nan, 0.0, -10.0, k, -k], "fuel": [None, "hydrogen", "diesel"], "region": [None, "r9", ""],
                "engine_power": [np.nan, -1.0]}
    for i, (column, values) in enumerate(specials.items()):
        for j, value in enumerate(values):
            row = base.iloc[(7 * i + j) % len(base)].to_dict()
            row[column] = value
            rows.append(row)
    out = pd.DataFrame(rows)
    out["id"] = np.arange(100_000, 100_000 + len(out))
    out["ts"] = pd.Timestamp("2030-01-01") + pd.to_timedelta(np.arange(len(out)), unit="min")
    out["automatic"] = out["automatic"].astype(bool)
    return out


def monitors():
    ms = [rd.monitor(DATA, "reg")]
    ms.append(rd.monitor(DATA, "reg_edge", analysis="reg_edge_analysis", reference="reg_edge_reference",
                         features={"continuous": EDGE_CONTINUOUS, "categorical": EDGE_CATEGORICAL}))
    ms.append(rd.monitor(DATA, "reg_tiny", reference="reg_tiny_reference"))
    for name, hp in AWKWARD.items():
        perf = {"metrics": METRICS} if not hp else {"metrics": ["mae", "mse"], "hyperparameters": hp}
        ms.append(rd.monitor(DATA, name, analysis="reg_awkward", performance=perf))
    return ms


# -- per-row predictions from the SQL ----------------------------------------------------------------------------------

ROWS_MODEL = """{{ config(materialized='table') }}
{#- Test only: the per-row raw predictions of the DLE scoring SQL, for the monitors named in var dle_rows. -#}
{%- for name in var('dle_rows', []) %}
{%- set m = driftline_monitors() | selectattr('name', 'equalto', name) | first %}
{%- set state = driftline_dle_state(m, driftline_dle_fit_relation()) %}
select {{ driftline_literal(name) }} as monitor, row_id
  {%- for model in ['absolute_error', 'absolute_percentage_error', 'squared_error', 'squared_log_error'] %},
  {% if model in state.trees %}dle_{{ model }}{% else %}cast(null as {{ driftline_double() }}){% endif %} as dle_{{ model }}
  {%- endfor %}
from (
  with performance_rows as (select * from ({{ driftline_chunked_rows(m, periods=['analysis'], rows='performance') }}) as r),
  {{ driftline_dle_scored_ctes(m, state, 'performance_rows') }}
  select * from scored
) as q{{ loop.index0 }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
"""


def row_predictions(project: DbtProject, wh, names: list[str], monitor_list) -> pd.DataFrame:
    """Run ROWS_MODEL in the build's project. A root-project model cannot call the package's macros by their
    short names (dbt resolves a package macro's own calls in the caller's namespace), so the package's macros
    are copied into the test project next to it: the same SQL-writing code the package runs."""
    macros, model = project.dir / "macros", project.dir / "models" / "dle_rows.sql"
    shutil.copytree(REPO / "macros", macros, ignore=shutil.ignore_patterns("generic_tests"))
    model.write_text(ROWS_MODEL)
    try:
        project.run("run", "--select", "dle_rows", monitors=monitor_list, extra_vars={"dle_rows": names})
    finally:  # the project is the package's again for the other tests
        model.unlink()
        shutil.rmtree(macros)
    return wh.table(OUT, "dle_rows")


# -- the build ---------------------------------------------------------------------------------------------------------

class RegressionBuild:
    def __init__(self, adapter, workdir):
        from conftest import make_warehouse

        self.wh = wh = make_warehouse(adapter, workdir)
        wh.reset_schema(DATA)
        wh.execute(f'drop schema if exists "{OUT}" cascade')
        self.frames = frames = rd.frames()
        edge_reference, edge_analysis = edge_frames(frames)
        self.edge = {"reference": edge_reference, "analysis": edge_analysis}
        self.tiny = frames["reference"].iloc[:6].copy()
        self.tiny.loc[0, "y_true"] = np.nan
        self.fits = {name: Fit(frames["reference"], rd.CONTINUOUS, rd.CATEGORICAL, METRICS if not hp else ["mae", "mse"], hp or None)
                     for name, hp in AWKWARD.items()}
        self.fits["reg_edge"] = Fit(edge_reference, EDGE_CONTINUOUS, EDGE_CATEGORICAL, METRICS)
        self.fits["reg_tiny"] = Fit(self.tiny, rd.CONTINUOUS, rd.CATEGORICAL, METRICS)
        self.awkward = awkward_rows([self.fits[n] for n in AWKWARD], frames["analysis"])
        for name, frame in (("reg_reference", frames["reference"]), ("reg_analysis", frames["analysis"]),
                            ("reg_edge_reference", edge_reference), ("reg_edge_analysis", edge_analysis),
                            ("reg_tiny_reference", self.tiny), ("reg_awkward", self.awkward)):
            wh.load(DATA, name, frame)
        self.monitors = monitors()
        self.project = DbtProject(workdir, adapter, OUT, wh.duckdb_path)
        self.invocation = self.project.build(self.monitors)
        self.performance = wh.table(OUT, "driftline_performance")
        self.fit_table = wh.table(OUT, "driftline__dle_fit")
        self.alerts = wh.table(OUT, "driftline_alerts")
        self.rows = row_predictions(self.project, wh, list(AWKWARD) + ["reg_edge"], self.monitors)

    def perf(self, monitor):
        return self.performance[self.performance.monitor == monitor]

    def chunks(self, monitor):
        """(period, chunk_index, rows) of a monitor's chunks, rows in the monitor's order."""
        sources = {"reg": (self.frames["reference"], self.frames["analysis"]), "reg_edge": (self.edge["reference"], self.edge["analysis"]),
                   "reg_tiny": (self.tiny, self.frames["analysis"])}
        reference, analysis = sources.get(monitor, (self.frames["reference"], self.awkward))
        for period, frame in (("reference", reference), ("analysis", analysis)):
            for index, start in enumerate(range(0, len(frame), rd.CHUNK)):
                yield period, index, frame.iloc[start:start + rd.CHUNK]


_builds: dict[str, RegressionBuild] = {}


def regression_build(adapter, workdir) -> RegressionBuild:
    if adapter not in _builds:
        _builds[adapter] = RegressionBuild(adapter, workdir)
    return _builds[adapter]


@pytest.fixture(scope="module")
def built(adapter, workdir):
    return regression_build(adapter, workdir)


def value(frame, period, chunk, metric, kind, column="value"):
    row = frame[(frame.period == period) & (frame.chunk_index == chunk) & (frame.metric == metric) & (frame.kind == kind)]
    assert len(row) == 1, (period, chunk, metric, kind)
    got = row.iloc[0][column]
    return None if pd.isna(got) else got


# -- NannyML parity ----------------------------------------------------------------------------------------------------

def test_generator_makes_the_rows_the_oracle_saw():
    meta = json.loads((FIXTURE / "meta.json").read_text())
    assert meta["versions"]["lightgbm"] == "4.5.0" and meta["dle"]["hyperparameters"] == {"n_jobs": 1}
    for name, frame in rd.frames().items():
        assert rd.fingerprint(frame) == meta["fingerprints"][name], name


def test_dle_matches_nannyml(built):
    """Estimates, sampling errors, bands, thresholds and realized values within 1e-6, alerts identical."""
    compare = parity.comparator().compare
    compared, mismatches = compare(str(FIXTURE), "dle", built.perf("reg"), atol=1e-6,
                                   fields=["value", "sampling_error", "upper_confidence", "lower_confidence", "upper_threshold",
                                           "lower_threshold", "realized_value", "alert"])
    assert compared == 13 * 6 * 8 and mismatches == 0
    assert built.perf("reg").query("kind == 'estimated' and period == 'analysis'").alert.astype(bool).any()


def test_realized_matches_nannyml_performance_calculator(built):
    compare = parity.comparator().compare
    compared, mismatches = compare(str(FIXTURE), "realized", built.perf("reg"), atol=1e-12, rtol=1e-9,
                                   fields=["value", "sampling_error", "upper_threshold", "lower_threshold", "alert"])
    assert compared == 13 * 6 * 5 and mismatches == 0
    expected = pd.read_csv(FIXTURE / "realized.csv")
    got = built.perf("reg").query("kind == 'realized' and metric == 'mae'").sort_values(["period", "chunk_index"], ascending=[False, True])
    assert np.allclose(got.targets_missing_rate.astype(float), expected.chunk_targets_missing_rate, atol=1e-12)


def test_fitted_state_is_the_python_fit(built):
    """The warehouse's fit (dbt Python model or `driftline fit`) equals driftline.fitting.dle on the same rows:
    the reference reaches the fit unchanged, and the fit is deterministic."""
    mine = built.fit_table[built.fit_table.monitor == "reg_awkward"]
    expected = built.fits["reg_awkward"].state
    key = ["item", "model", "tree_index", "node_index", "column_name", "category", "metric"]
    a = mine.sort_values(key, na_position="first").reset_index(drop=True)
    b = expected.sort_values(key, na_position="first").reset_index(drop=True)
    assert len(a) == len(b) > 1000
    for c in ("threshold", "leaf_value", "se_scale"):
        assert np.array_equal(a[c].astype(float).to_numpy(), b[c].astype(float).to_numpy(), equal_nan=True), c
    for c in ("decision_type", "missing_type", "categories", "category", "column_name"):
        assert [None if pd.isna(v) else v for v in a[c]] == [None if pd.isna(v) else v for v in b[c]], c


# -- the SQL scoring against LightGBM ---------------------------------------------------------------------------------

@pytest.mark.parametrize("monitor", list(AWKWARD) + ["reg_edge"])
def test_sql_predictions_equal_booster_predict(built, monitor):
    rows = built.rows[built.rows.monitor == monitor].sort_values("row_id")
    frame = built.awkward if monitor in AWKWARD else built.edge["analysis"]
    frame = frame.sort_values("id")
    assert rows.row_id.tolist() == frame.id.tolist()
    fit = built.fits[monitor]
    for model in fit.boosters:
        expected = fit.predict(frame, model)
        got = rows[f"dle_{model}"].astype(float).to_numpy()
        worst = np.max(np.abs(got - expected) / (1 + np.abs(expected)))
        assert worst <= 1e-12, (monitor, model, worst)


@pytest.mark.parametrize("monitor", list(AWKWARD) + ["reg_edge", "reg_tiny"])
def test_estimates_are_the_boosters_chunk_means(built, monitor):
    """Per chunk: mean of max(0, prediction) over all rows (rows without y_pred too), sqrt for rmse/rmsle;
    n for the sampling error counts the rows with a y_pred."""
    perf, fit = built.perf(monitor), built.fits[monitor]
    se = {r.metric: (r.se_scale, r.se_power) for r in fit.state[fit.state.item == "sampling_error"].itertuples()}
    checked = 0
    for period, chunk, rows in built.chunks(monitor):
        n = int(rows.y_pred.notna().sum())
        for metric in se:
            mean = np.maximum(fit.predict(rows, dle.MODEL_OF_METRIC[metric]), 0).mean()
            expected = math.sqrt(mean) if metric in ("rmse", "rmsle") else mean
            assert math.isclose(value(perf, period, chunk, metric, "estimated"), expected, rel_tol=1e-10), (period, chunk, metric)
            got_se = value(perf, period, chunk, metric, "estimated", "sampling_error")
            if n == 0 or math.isnan(se[metric][0]):
                assert got_se is None and value(perf, period, chunk, metric, "estimated", "lower_confidence") is None
            else:
                assert math.isclose(got_se, se[metric][0] * n ** -0.5, rel_tol=1e-10)
            checked += 1
    assert checked > 0


def test_uninformative_features_never_split(built):
    nodes = built.fit_table[(built.fit_table.monitor == "reg_edge") & (built.fit_table.item == "node")]
    assert not set(nodes.column_name.dropna()) & {"blank", "flat", "one_cat"}


def test_tiny_reference_estimates_the_mean_loss(built):
    """6 reference rows (5 with a target), 7 features: no split is possible, every estimate is the mean loss."""
    perf = built.perf("reg_tiny")
    usable = built.tiny.dropna(subset=["y_true", "y_pred"])
    for metric in METRICS:
        loss = dle.observation_losses(usable.y_true.to_numpy(float), usable.y_pred.to_numpy(float), dle.MODEL_OF_METRIC[metric])
        mean = loss.astype(np.float32).astype(float).mean()  # LightGBM keeps labels in float32
        expected = math.sqrt(mean) if metric in ("rmse", "rmsle") else mean
        est = perf[(perf.kind == "estimated") & (perf.metric == metric)].value.astype(float)
        assert len(est) == 8 and np.allclose(est, expected, rtol=1e-10), metric


# -- realized metrics against scikit-learn ------------------------------------------------------------------------------

def sklearn_realized(rows: pd.DataFrame) -> dict:
    labelled = rows.dropna(subset=["y_true", "y_pred"])
    if labelled.empty:
        return {m: None for m in METRICS}
    y, p = labelled.y_true.to_numpy(float), labelled.y_pred.to_numpy(float)
    out = {"mae": skm.mean_absolute_error(y, p), "mape": skm.mean_absolute_percentage_error(y, p),
           "mse": skm.mean_squared_error(y, p), "rmse": skm.root_mean_squared_error(y, p)}
    negative = (y < 0).any() or (p < 0).any()   # NannyML's calculator raises: NaN for the chunk
    out["msle"] = None if negative else skm.mean_squared_log_error(y, p)
    out["rmsle"] = None if negative else skm.root_mean_squared_log_error(y, p)
    return out


@pytest.mark.parametrize("monitor", ["reg", "reg_edge"])
def test_realized_metrics_equal_sklearn(built, monitor):
    perf = built.perf(monitor)
    nulls = 0
    for period, chunk, rows in built.chunks(monitor):
        expected = sklearn_realized(rows)
        missing_rate = rows.y_true.isna().mean()
        for metric, exp in expected.items():
            got = value(perf, period, chunk, metric, "realized")
            if exp is None:
                nulls += 1
                assert got is None, (period, chunk, metric)
            else:
                assert math.isclose(got, exp, rel_tol=1e-9, abs_tol=1e-12), (period, chunk, metric, got, exp)
            assert math.isclose(value(perf, period, chunk, metric, "realized", "targets_missing_rate"), missing_rate, abs_tol=1e-12)
            realized_on_estimate = value(perf, period, chunk, metric, "estimated", "realized_value")
            assert (realized_on_estimate is None) == (got is None)
    assert nulls > 0  # chunks without targets (and, for reg_edge, negative targets) are NULL, not 0
    if monitor == "reg_edge":  # the chunk with negative targets: the log metrics only
        assert value(perf, "analysis", 2, "msle", "realized") is None and value(perf, "analysis", 2, "mae", "realized") is not None
        assert not bool(value(perf, "analysis", 2, "msle", "realized", "alert"))


def test_regression_alerts_reach_the_alerts_table(built):
    alerts = built.alerts[built.alerts.monitor == "reg"]
    performance = alerts[alerts.family == "performance"]
    assert set(performance.method) <= set(METRICS) and len(performance) > 0
    expected = built.perf("reg").query("period == 'analysis' and alert == True")
    assert len(performance) == len(expected)


def test_unusable_predictions_are_reported(built):
    """The warn test names each monitor, period and problem (run_results.json, and the rows it failed on)."""
    result, rows = failing_rows(built.project, built.wh, "driftline_invalid_predictions", built.monitors)
    assert result.status == "warn" and result.failures == len(rows) > 0, result
    problems = set(zip(rows.monitor, rows.period, rows.problem))
    assert ("reg_awkward", "analysis", "prediction column y_pred is NULL, NaN or infinite") in problems, problems
    assert {monitor for monitor, _, _ in problems} <= {m["name"] for m in built.monitors}


# -- bad input that stops the fit ----------------------------------------------------------------------------------------

def test_negative_reference_values_fail_the_fit_for_log_metrics(built):
    wh, project = built.wh, built.project
    negative = built.frames["reference"].copy()
    negative.loc[10, "y_pred"] = -1.0
    wh.load(DATA, "reg_negative_reference", negative)
    bad = rd.monitor(DATA, "reg_negative", reference="reg_negative_reference")
    if project.adapter == "duckdb":
        done = project.run("build", "--select", "driftline", monitors=[bad], expect_fail=True)
    else:
        done = project.fit([bad], expect_fail=True)
    message = done.output
    for fragment in ("reg_negative", "metric 'msle'", "'y_pred'", "negative", "Fix: remove msle and rmsle"):
        assert fragment in message, fragment
    if project.adapter != "duckdb":
        project.fit(built.monitors)  # restore the fitted state of the build's monitors


def test_postgres_build_without_fit_names_the_command(built):
    wh, project = built.wh, built.project
    if project.adapter != "postgres":
        pytest.skip("only engines without dbt Python models need `driftline fit`")
    wh.execute(f'drop table if exists "{OUT}"."driftline__dle_fit"')
    try:
        done = project.run("build", "--select", "driftline", monitors=built.monitors, expect_fail=True)
        assert "driftline fit" in done.output and "reg" in done.output and "DLE" in done.output
        changed = copy.deepcopy(built.monitors)
        project.fit(built.monitors)
        changed[0]["performance"]["metrics"] = ["mae"]
        done = project.run("build", "--select", "driftline", monitors=changed, expect_fail=True)
        assert "was made for another configuration or reference" in done.output and "driftline fit" in done.output
    finally:
        project.fit(built.monitors)


def test_duckdb_fit_runs_once_per_reference_change(built):
    wh, project = built.wh, built.project
    if project.adapter != "duckdb":
        pytest.skip("PostgreSQL fits only when `driftline fit` is run")
    fit = f'"{OUT}"."driftline__dle_fit"'
    select = f"select se_scale from {fit} where monitor = 'reg' and metric = 'mae'"
    original = wh.query(select).se_scale.iloc[0]
    wh.execute(f"update {fit} set se_scale = 12345 where monitor = 'reg' and metric = 'mae'")
    models = ["driftline__performance_specs", "driftline__dle_reference", "driftline__dle_fit"]
    project.run("run", "--select", *models, monitors=built.monitors)
    assert wh.query(select).se_scale.iloc[0] == 12345
    changed = copy.deepcopy(built.monitors)
    changed[0]["performance"]["metrics"] = ["mae", "rmse"]
    project.run("run", "--select", *models, monitors=changed)
    assert math.isclose(wh.query(select).se_scale.iloc[0], original, rel_tol=1e-12)
    project.run("run", "--select", *models, monitors=built.monitors)


# -- late targets ---------------------------------------------------------------------------------------------------------

def test_late_targets_recompute_only_their_chunks(built, adapter, workdir):
    """Targets for analysis rows 1500-2499 (chunks 3 and 4) arrive after the first build: the next build
    recomputes only those chunks, and then equals the monitor that had them from the start (reg)."""
    wh = built.wh
    schema, out = "dl_reg_late_data", "dl_reg_late"
    wh.reset_schema(schema)
    wh.execute(f'drop schema if exists "{out}" cascade')
    frames = built.frames
    wh.load(schema, "predictions_reference", frames["reference"].drop(columns=["y_true"]))
    wh.load(schema, "predictions", frames["analysis"].drop(columns=["y_true"]))
    first = pd.concat([frames["reference"][["id", "y_true"]], frames["analysis"][["id", "y_true"]].iloc[:1500]])
    wh.load(schema, "labels", first.rename(columns={"y_true": "label"}))
    m = rd.monitor(schema, "reg", analysis="predictions", reference="predictions_reference",
                   targets={"relation": f"{schema}.labels", "id": "id", "y_true": "label"})
    m.pop("y_true")
    project = DbtProject(workdir, adapter, out, wh.duckdb_path)
    project.build([m])
    before = wh.table(out, "driftline__chunk_performance")
    wh.load(schema, "labels_arrived", frames["analysis"][["id", "y_true"]].iloc[1500:2500].rename(columns={"y_true": "label"}))
    wh.execute(f'insert into "{schema}"."labels" select * from "{schema}"."labels_arrived"')
    project.build([m])
    after = wh.table(out, "driftline__chunk_performance")
    stamp = lambda f: f.groupby(["period", "chunk_index"]).summarised_at.max()
    b, a = stamp(before), stamp(after)
    for chunk in range(7):
        assert (a.loc[("analysis", chunk)] != b.loc[("analysis", chunk)]) == (chunk in (3, 4)), chunk
    assert (a.loc["reference"] == b.loc["reference"]).all()
    keys = ["period", "chunk_index", "kind", "metric"]
    late = wh.table(out, "driftline_performance").sort_values(keys).reset_index(drop=True)
    full = built.perf("reg").sort_values(keys).reset_index(drop=True)
    assert len(late) == len(full) > 0
    for col in ("value", "sampling_error", "lower_confidence", "upper_confidence", "lower_threshold", "upper_threshold",
                "realized_value", "targets_missing_rate"):
        assert np.allclose(late[col].astype(float), full[col].astype(float), rtol=1e-12, atol=1e-12, equal_nan=True), col
    assert late.alert.astype(str).tolist() == full.alert.astype(str).tolist()


# -- DuckDB and PostgreSQL agree --------------------------------------------------------------------------------------------

def test_adapters_agree(workdir):
    duck, pg = regression_build("duckdb", workdir), regression_build("postgres", workdir)
    keys = ["monitor", "period", "chunk_index", "kind", "metric"]
    a = duck.performance.sort_values(keys).reset_index(drop=True)
    b = pg.performance.sort_values(keys).reset_index(drop=True)
    assert len(a) == len(b) > 0 and a[keys].astype(str).equals(b[keys].astype(str))
    for col in ("value", "sampling_error", "lower_confidence", "upper_confidence", "lower_threshold", "upper_threshold",
                "realized_value", "targets_missing_rate"):
        x, y = a[col].astype(float).to_numpy(), b[col].astype(float).to_numpy()
        assert np.array_equal(np.isnan(x), np.isnan(y)), col
        ok = ~np.isnan(x)
        assert np.allclose(x[ok], y[ok], rtol=1e-9, atol=1e-9), col
    assert a.alert.astype(str).tolist() == b.alert.astype(str).tolist()
    rows_a = duck.rows.sort_values(["monitor", "row_id"]).reset_index(drop=True)
    rows_b = pg.rows.sort_values(["monitor", "row_id"]).reset_index(drop=True)
    for model in ("absolute_error", "squared_error"):
        assert np.array_equal(rows_a[f"dle_{model}"].astype(float).to_numpy(), rows_b[f"dle_{model}"].astype(float).to_numpy(), equal_nan=True)
