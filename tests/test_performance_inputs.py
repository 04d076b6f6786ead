"""Binary performance on awkward inputs: late targets, invalid predictions, one-class references and chunks,
a reference the fit cannot use, and a PostgreSQL build before `driftline fit`. Realized values are checked
against scikit-learn on the raw rows."""
import copy
import math

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from driftline.demo import generate_car_loan
from support.dbt import DbtProject, failing_rows

DATA = "dl_perf_data"
CHUNK = 500
METRICS = ["roc_auc", "f1", "precision", "recall", "specificity", "accuracy", "confusion_matrix", "business_value", "average_precision"]
BV = [[0, -200], [-100, 1000]]


def frames():
    df = generate_car_loan(6000, seed=11)
    df = df[["id", "timestamp", "car_value", "y_pred_proba", "y_pred", "repaid"]].copy()
    ref, ana = df.iloc[:3000].reset_index(drop=True), df.iloc[3000:].reset_index(drop=True)
    ana.loc[2000:2499, "repaid"] = 0.0            # analysis chunk 4: one class only
    bad = ana.copy()
    bad.loc[[3, 7], "y_pred_proba"] = np.nan
    bad.loc[[11], "y_pred_proba"] = 1.3
    bad.loc[[12], "y_pred_proba"] = -0.2
    bad.loc[[20, 21], "y_pred"] = 2
    one_class_ref = ref.copy()
    one_class_ref["repaid"] = 1.0
    ids_with_targets = pd.concat([ref.id, ana.id.iloc[:1500]])
    targets = df[df.id.isin(ids_with_targets)][["id", "repaid"]].rename(columns={"repaid": "label"})
    targets.loc[targets.id.isin(ana.id.iloc[:1500]), "label"] = ana.repaid.iloc[:1500].to_numpy()
    null_proba_ref = ref.copy()
    null_proba_ref.loc[5, "y_pred_proba"] = np.nan
    return {"reference": ref, "analysis": ana, "analysis_bad": bad, "reference_one_class": one_class_ref,
            "targets": targets, "analysis_no_targets": ana.drop(columns=["repaid"]), "reference_null_proba": null_proba_ref}


def monitor(name, analysis="analysis", reference="reference", **extra):
    m = {"name": name, "relation": f"{DATA}.perf_{analysis}", "reference": {"relation": f"{DATA}.perf_{reference}"},
         "timestamp": "timestamp", "id": "id", "features": {"continuous": ["car_value"]}, "chunking": {"size": CHUNK},
         "y_pred_proba": "y_pred_proba", "y_pred": "y_pred", "y_true": "repaid",
         "performance": {"metrics": METRICS, "business_value_matrix": BV}}
    m.update(extra)
    return m


@pytest.fixture(scope="module")
def built(adapter, workdir):
    from conftest import make_warehouse

    wh = make_warehouse(adapter, workdir)
    wh.reset_schema(DATA)
    data = frames()
    for name, frame in data.items():
        wh.load(DATA, f"perf_{name}", frame)
    late = monitor("perf_late_targets", analysis="analysis_no_targets")
    late.pop("y_true")
    late["targets"] = {"relation": f"{DATA}.perf_targets", "id": "id", "y_true": "label"}
    monitors = [monitor("perf_base"), monitor("perf_bad_predictions", analysis="analysis_bad"),
                monitor("perf_one_class_reference", reference="reference_one_class"), late]
    wh.execute('drop schema if exists "dl_perf" cascade')
    project = DbtProject(workdir, adapter, "dl_perf", wh.duckdb_path)
    invocation = project.build(monitors)
    return wh, project, data, invocation, monitors


def table(built, monitor_name):
    wh = built[0]
    return wh.table("dl_perf", "driftline_performance", monitor_name)


def value(frame, period, chunk, metric, kind="realized", column="value"):
    row = frame[(frame.period == period) & (frame.chunk_index == chunk) & (frame.metric == metric) & (frame.kind == kind)]
    assert len(row) == 1, (period, chunk, metric, kind)
    return row.iloc[0][column]


def realized_expected(y, p, yhat):
    """scikit-learn on one chunk, with NannyML's NaN rules (algorithms.md §6)."""
    both = len(set(y)) > 1 and len(set(yhat)) > 1
    cm = skm.confusion_matrix(y, yhat, labels=[0, 1])
    tn, fp, fn, tp = cm.ravel()
    out = {
        "roc_auc": skm.roc_auc_score(y, p) if len(set(y)) > 1 else None,
        "average_precision": skm.average_precision_score(y, p) if 1 in set(y) else None,
        "f1": skm.f1_score(y, yhat) if both else None,
        "precision": skm.precision_score(y, yhat) if both else None,
        "recall": skm.recall_score(y, yhat) if both else None,
        "specificity": tn / (tn + fp) if len(set(y) | set(yhat)) > 1 and tn + fp else None,
        "accuracy": skm.accuracy_score(y, yhat),
        "true_positive": tp, "true_negative": tn, "false_positive": fp, "false_negative": fn,
        "business_value": BV[0][0] * tn + BV[0][1] * fp + BV[1][0] * fn + BV[1][1] * tp,
    }
    return out


def assert_close(got, expected, what):
    if expected is None:
        assert got is None or pd.isna(got), what
    else:
        assert math.isclose(float(got), float(expected), rel_tol=1e-9, abs_tol=1e-12), (what, got, expected)


def test_realized_metrics_match_sklearn_including_one_class_chunk(built):
    perf, data = table(built, "perf_base"), built[2]
    for period in ("reference", "analysis"):
        frame = data[period]
        for chunk in range(6):
            rows = frame.iloc[chunk * CHUNK:(chunk + 1) * CHUNK]
            expected = realized_expected(rows.repaid.astype(int).to_numpy(), rows.y_pred_proba.to_numpy(), rows.y_pred.to_numpy())
            for metric, exp in expected.items():
                assert_close(value(perf, period, chunk, metric), exp, (period, chunk, metric))
    # chunk 4 of the analysis holds one class: ranking and label metrics are NULL, accuracy is not
    for metric in ("roc_auc", "f1", "precision", "recall", "average_precision"):
        assert pd.isna(value(perf, "analysis", 4, metric))
    assert not pd.isna(value(perf, "analysis", 4, "accuracy"))
    # ... and a NULL realized value never alerts
    assert not bool(value(perf, "analysis", 4, "roc_auc", column="alert"))


def test_late_targets_fill_only_the_chunks_that_have_them(built):
    late, base = table(built, "perf_late_targets"), table(built, "perf_base")
    for chunk in range(6):
        missing = value(late, "analysis", chunk, "accuracy", column="targets_missing_rate")
        assert missing == (0.0 if chunk < 3 else 1.0)
        for metric in ("roc_auc", "accuracy", "business_value"):
            if chunk < 3:
                assert_close(value(late, "analysis", chunk, metric), value(base, "analysis", chunk, metric), (chunk, metric))
                assert_close(value(late, "analysis", chunk, metric, kind="estimated", column="realized_value"),
                             value(base, "analysis", chunk, metric), (chunk, metric))
            else:
                assert pd.isna(value(late, "analysis", chunk, metric))
    # the estimates do not need targets at all
    est = late[late.kind == "estimated"].set_index(["period", "chunk_index", "metric"]).value.sort_index()
    est_base = base[base.kind == "estimated"].set_index(["period", "chunk_index", "metric"]).value.sort_index()
    assert np.allclose(est.astype(float), est_base.astype(float), rtol=1e-12, equal_nan=True)


def test_invalid_predictions_are_left_out_and_reported(built):
    perf = table(built, "perf_bad_predictions")
    data = built[2]["analysis_bad"].iloc[:CHUNK]
    valid_p = data.y_pred_proba.between(0, 1)
    # rows with an unusable probability (NaN, 1.3, -0.2) leave the metrics that need a probability
    roc = value(perf, "analysis", 0, "roc_auc")
    expected = skm.roc_auc_score(data.repaid[valid_p].astype(int), data.y_pred_proba[valid_p])
    assert_close(roc, expected, "roc_auc without invalid probabilities")
    # the warn test names the monitor, period and problem of each kind of unusable prediction (run_results.json
    # and the failing rows it stored)
    result, rows = failing_rows(built[1], built[0], "driftline_invalid_predictions", built[4])
    assert result.status == "warn" and result.failures == 2, result
    found = sorted(zip(rows.monitor, rows.period, rows.n_rows.astype(int), rows.problem))
    assert found == [("perf_bad_predictions", "analysis", 2, "prediction column y_pred is not 0 or 1"),
                     ("perf_bad_predictions", "analysis", 4, "probability column y_pred_proba is NULL, NaN, infinite or outside [0, 1]")]


def test_one_class_reference(built):
    """Everything repaid in the reference: no calibration (NannyML's rule), realized roc_auc and its
    thresholds are NULL, the estimates still come out."""
    perf = table(built, "perf_one_class_reference")
    ref_auc = perf[(perf.period == "reference") & (perf.kind == "realized") & (perf.metric == "roc_auc")]
    assert ref_auc.value.isna().all()
    est = perf[(perf.kind == "estimated") & (perf.metric == "roc_auc")]
    assert est.lower_threshold.isna().all() and est.upper_threshold.isna().all()
    acc = perf[(perf.kind == "estimated") & (perf.metric == "accuracy") & (perf.period == "analysis")]
    assert acc.value.notna().all()


def test_reference_without_usable_probabilities_fails_the_fit(built):
    wh, project = built[0], built[1]
    bad = monitor("perf_null_reference", reference="reference_null_proba")
    if project.adapter == "duckdb":
        done = project.run("build", "--select", "driftline", monitors=[bad], expect_fail=True)
    else:
        done = project.fit([bad], expect_fail=True)
    message = done.output
    assert "perf_null_reference" in message and "y_pred_proba" in message.replace("proba_1", "y_pred_proba")


def test_postgres_build_without_fit_names_the_command(built):
    wh, project = built[0], built[1]
    if project.adapter != "postgres":
        pytest.skip("only engines without dbt Python models need `driftline fit`")
    fresh = monitor("perf_never_fitted")
    wh.execute('drop table if exists "dl_perf"."driftline__cbpe_fit"')
    try:
        done = project.run("build", "--select", "driftline", monitors=[fresh], expect_fail=True)
        assert "driftline fit" in done.output and "perf_never_fitted" in done.output
    finally:
        project.fit(built[4])  # restore the fitted state for the other tests


def test_late_targets_recompute_only_their_chunks(adapter, workdir):
    """Targets for analysis chunks 3-5 arrive after the first build: the next build recomputes only those
    chunks' performance, and equals a full refresh."""
    from conftest import make_warehouse

    wh = make_warehouse(adapter, workdir)
    data = frames()
    schema = "dl_perf_inc_data"
    wh.reset_schema(schema)
    wh.load(schema, "predictions_reference", data["reference"])
    wh.load(schema, "predictions", data["analysis_no_targets"])
    wh.load(schema, "labels", data["targets"])
    m = monitor("late", relation=None)
    m.update(relation=f"{schema}.predictions", reference={"relation": f"{schema}.predictions_reference"})
    m.pop("y_true")
    m["targets"] = {"relation": f"{schema}.labels", "id": "id", "y_true": "label"}
    for out in ("dl_perf_inc", "dl_perf_inc_full"):
        wh.execute(f'drop schema if exists "{out}" cascade')
    project = DbtProject(workdir, adapter, "dl_perf_inc", wh.duckdb_path)
    project.build([m])
    before = wh.table("dl_perf_inc", "driftline__chunk_performance")
    arrived = data["analysis"].iloc[1500:][["id", "repaid"]].rename(columns={"repaid": "label"})
    wh.load(schema, "labels_arrived", arrived)
    wh.execute(f'insert into "{schema}"."labels" select * from "{schema}"."labels_arrived"')
    project.build([m])
    after = wh.table("dl_perf_inc", "driftline__chunk_performance")
    stamp = lambda f: f.groupby(["period", "chunk_index"]).summarised_at.max()
    b, a = stamp(before), stamp(after)
    for chunk in range(6):
        changed = a.loc[("analysis", chunk)] != b.loc[("analysis", chunk)]
        assert changed == (chunk >= 3), chunk
    assert (a.loc["reference"] == b.loc["reference"]).all()
    full = DbtProject(workdir, adapter, "dl_perf_inc_full", wh.duckdb_path)
    full.build([m], "--full-refresh")
    keys = ["period", "chunk_index", "kind", "metric"]
    inc = wh.table("dl_perf_inc", "driftline_performance").sort_values(keys).reset_index(drop=True)
    ref = wh.table("dl_perf_inc_full", "driftline_performance").sort_values(keys).reset_index(drop=True)
    assert len(inc) == len(ref) > 0
    for col in ("value", "sampling_error", "lower_threshold", "upper_threshold", "realized_value", "targets_missing_rate"):
        assert np.allclose(inc[col].astype(float), ref[col].astype(float), rtol=1e-12, atol=1e-12, equal_nan=True), col
    assert inc.alert.astype(str).tolist() == ref.alert.astype(str).tolist()


def test_duckdb_fit_runs_once_per_reference_change(built):
    """The dbt Python model keeps the previous fitted state while configuration and reference are
    unchanged (a marker written into the state survives a rebuild) and refits when they change."""
    wh, project, monitors = built[0], built[1], built[4]
    if project.adapter != "duckdb":
        pytest.skip("PostgreSQL fits only when `driftline fit` is run")
    fit = '"dl_perf"."driftline__cbpe_fit"'
    original = wh.query(f"select se_scale from {fit} where monitor = 'perf_base' and metric = 'accuracy'").se_scale.iloc[0]
    wh.execute(f"update {fit} set se_scale = 12345 where monitor = 'perf_base' and metric = 'accuracy'")
    project.run("run", "--select", "driftline__performance_specs", "driftline__performance_reference", "driftline__cbpe_fit", monitors=monitors)
    kept = wh.query(f"select se_scale from {fit} where monitor = 'perf_base' and metric = 'accuracy'").se_scale.iloc[0]
    assert kept == 12345
    changed = copy.deepcopy(monitors)
    changed[0]["performance"]["metrics"] = METRICS[:-1]  # a configuration change: refit
    project.run("run", "--select", "driftline__performance_specs", "driftline__performance_reference", "driftline__cbpe_fit", monitors=changed)
    refit = wh.query(f"select se_scale from {fit} where monitor = 'perf_base' and metric = 'accuracy'").se_scale.iloc[0]
    assert math.isclose(refit, original, rel_tol=1e-12)
    project.run("run", "--select", "driftline__performance_specs", "driftline__performance_reference", "driftline__cbpe_fit", monitors=monitors)
