"""driftline_alerts, driftline_feature_ranking and the dbt test expect_no_alerts_in_latest_chunk.

Rankings are checked against NannyML 0.13.1's rankers (tests/fixtures/car_loan_rankings.csv, written by
tests/oracle/car_loan_rankings.py) and, for every correlation of every parity monitor, against scipy's pearsonr
computed here from driftline's own drift and performance tables.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FAMILY_TABLES = {  # family -> (table, column holding the method name, column_name column or None)
    "performance": ("driftline_performance", "metric", None),
    "multivariate_drift": ("driftline_multivariate_drift", "method", None),
    "univariate_drift": ("driftline_univariate_drift", "method", "column_name"),
    "data_quality": ("driftline_data_quality", "check_name", "column_name"),
    "summary_stats": ("driftline_summary_stats", "statistic", "column_name"),
}


@pytest.fixture(scope="module")
def ranking(parity_outputs):
    return parity_outputs.table("driftline_feature_ranking")


@pytest.fixture(scope="module")
def oracle():
    return pd.read_csv(FIXTURES / "car_loan_rankings.csv")


def test_alert_count_ranking_matches_nannyml(ranking, oracle):
    ours = ranking[(ranking.monitor == "car_loan") & (ranking.ranker == "alert_count")
                   & (ranking.family == "univariate_drift") & (ranking.method == "jensen_shannon")].sort_values("rank")
    expected = oracle[oracle.ranker == "alert_count"].sort_values("rank")
    assert list(ours.column_name) == list(expected.column_name)
    assert list(ours["rank"]) == list(range(1, len(expected) + 1))
    assert list(ours.number_of_alerts.astype(int)) == list(expected.number_of_alerts.astype(int))


def test_correlation_ranking_matches_nannyml(ranking, oracle):
    ours = ranking[(ranking.monitor == "car_loan") & (ranking.ranker == "correlation") & (ranking.method == "jensen_shannon")
                   & (ranking.performance_metric == "roc_auc") & (ranking.performance_kind == "estimated")].sort_values("rank")
    expected = oracle[oracle.ranker == "correlation"].sort_values("rank")
    assert list(ours.column_name) == list(expected.column_name)
    np.testing.assert_allclose(ours.correlation.astype(float), expected.correlation.astype(float), rtol=0, atol=1e-9)
    # p moves ~10x as much as r; the inputs (CBPE estimates, JS values) agree with NannyML to ~1e-11
    np.testing.assert_allclose(ours.p_value.astype(float), expected.p_value.astype(float), rtol=0, atol=1e-9)
    assert list(ours.has_drifted.astype(bool)) == list(expected.has_drifted.astype(bool))


def test_every_correlation_and_p_value_matches_scipy(parity_outputs, ranking):
    """All monitors, methods, metrics and kinds; the monitors have 14 to 31 chunks, so both the odd and the
    even degrees-of-freedom series of the p-value are exercised."""
    drift = parity_outputs.table("driftline_univariate_drift")
    perf = parity_outputs.table("driftline_performance")
    checked, dofs = 0, set()
    for (monitor, kind, metric), p in perf.groupby(["monitor", "kind", "metric"]):
        reference_mean = p.loc[p.period == "reference", "value"].astype(float).mean()
        deviation = p.assign(d=(p.value.astype(float) - reference_mean).abs())[["period", "chunk_index", "d"]]
        for (method, column), d in drift[drift.monitor == monitor].groupby(["method", "column_name"]):
            pairs = d.merge(deviation, on=["period", "chunk_index"])
            pairs = pairs[pairs.value.notna() & pairs.d.notna()]
            row = ranking[(ranking.monitor == monitor) & (ranking.ranker == "correlation") & (ranking.method == method)
                          & (ranking.column_name == column) & (ranking.performance_kind == kind)
                          & (ranking.performance_metric == metric)]
            assert len(row) == 1, (monitor, kind, metric, method, column)
            x, y = pairs.value.astype(float).to_numpy(), pairs.d.astype(float).to_numpy()
            if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
                assert pd.isna(row.correlation.iloc[0])
                continue
            r, p_value = stats.pearsonr(x, y)
            assert row.correlation.iloc[0] == pytest.approx(r, abs=1e-9), (monitor, kind, metric, method, column)
            assert row.p_value.iloc[0] == pytest.approx(p_value, abs=1e-12), (monitor, kind, metric, method, column)
            checked += 1
            dofs.add((len(x) - 2) % 2)
    assert checked > 500 and dofs == {0, 1}


def test_correlation_ranks_are_ordered_by_correlation(ranking):
    corr = ranking[ranking.ranker == "correlation"]
    for _, group in corr.groupby(["monitor", "method", "performance_metric", "performance_kind"]):
        group = group.sort_values("rank")
        values = group.correlation.astype(float).to_numpy()
        known = values[~np.isnan(values)]
        assert (np.diff(known) <= 0).all()
        assert np.isnan(values[len(known):]).all()  # NULL last


def test_alerts_table_lists_every_analysis_alert(parity_outputs):
    alerts = parity_outputs.table("driftline_alerts")
    chunks = parity_outputs.table("driftline_chunks")
    expected = []
    for family, (table, method_column, column_column) in FAMILY_TABLES.items():
        t = parity_outputs.table(table)
        t = t[(t.period == "analysis") & (t.alert == True)]  # noqa: E712 - alert may be NULL
        columns = t[column_column] if column_column else [None] * len(t)
        expected += [(m, int(i), family, c if isinstance(c, str) and c else None, method)
                     for m, i, c, method in zip(t.monitor, t.chunk_index, columns, t[method_column])]
    ours = [(m, int(i), f, c if isinstance(c, str) else None, method)
            for m, i, f, c, method in zip(alerts.monitor, alerts.chunk_index, alerts.family, alerts.column_name, alerts.method)]
    key = lambda row: tuple("" if v is None else str(v) for v in row)  # noqa: E731
    assert sorted(ours, key=key) == sorted(expected, key=key)
    assert len(ours) > 100 and set(alerts.family) >= {"performance", "univariate_drift", "summary_stats"}
    assert (alerts.period == "analysis").all() and alerts.alert.astype(bool).all()
    assert not alerts.allow_listed.astype(bool).any()

    latest = chunks[chunks.period == "analysis"].groupby("monitor").chunk_index.max()
    assert (alerts.is_latest_chunk.astype(bool) == (alerts.chunk_index == alerts.monitor.map(latest))).all()
    for _, group in alerts.groupby(["monitor", "chunk_index"]):
        group = group.sort_values("alert_rank")
        assert list(group.alert_rank) == list(range(1, len(group) + 1))
        order = group.family.map({f: i for i, f in enumerate(FAMILY_TABLES)}).to_numpy()
        assert (np.diff(order) >= 0).all()


def test_likely_causes_follow_the_correlation_ranking(parity_outputs, ranking):
    alerts = parity_outputs.table("driftline_alerts")
    performance = alerts[alerts.family == "performance"]
    assert len(performance) and performance.likely_causes.notna().any()
    for row in performance.itertuples():
        drifted = alerts[(alerts.monitor == row.monitor) & (alerts.chunk_index == row.chunk_index)
                         & (alerts.family == "univariate_drift")]
        if drifted.empty:
            assert pd.isna(row.likely_causes)
            continue
        corr = ranking[(ranking.monitor == row.monitor) & (ranking.ranker == "correlation")
                       & (ranking.performance_metric == row.method) & (ranking.performance_kind == row.kind)]
        best = {}
        for d in drifted.itertuples():
            r = corr[(corr.column_name == d.column_name) & (corr.method == d.method)].correlation.astype(float)
            best[d.column_name] = np.nanmax([best.get(d.column_name, np.nan), *r]) if r.notna().any() else best.get(d.column_name, np.nan)
        order = sorted(best, key=lambda c: (np.isnan(best[c]), -np.nan_to_num(best[c]), c))
        text = "; ".join(c + ("" if np.isnan(best[c]) else f" (r={_round2(best[c])})") for c in order)
        assert row.likely_causes == text


def _round2(r: float) -> str:
    """Two decimals, halves to even on r * 100, no negative zero: 1.00, 0.29, -0.35."""
    n = int(np.rint(100 * r))
    return f"{'-' if n < 0 else ''}{abs(n) // 100}.{abs(n) % 100:02d}"


def alerts_gate(invocation):
    """The result (run_results.json) of the package's expect_no_alerts_in_latest_chunk test on driftline_alerts."""
    (gate,) = [r for r in invocation.results if r.name.startswith("driftline_expect_no_alerts_in_latest_chunk")]
    return gate


def test_dbt_test_fails_on_the_demo_and_passes_once_allow_listed(demo_outputs, workdir):
    """The dbt test and the Great Expectations checkpoint (`driftline checkpoint`) gate the same alerts."""
    from support.cli import run_driftline
    from support.dbt import DbtProject

    built = demo_outputs
    alerts = built.table("driftline_alerts")
    latest = alerts[alerts.is_latest_chunk.astype(bool)]
    assert len(latest) and set(latest.family) >= {"univariate_drift", "performance"}

    failing = built.project.run("test", "-s", "driftline_alerts,test_type:generic", monitors=built.monitors,
                                extra_vars={"driftline_alert_severity": "error"}, expect_fail=True)
    gate = alerts_gate(failing)
    assert gate.status == "fail" and gate.failures == len(latest), gate
    warned = built.project.run("test", "-s", "driftline_alerts,test_type:generic", monitors=built.monitors)
    gate = alerts_gate(warned)
    assert gate.status == "warn" and gate.failures == len(latest), gate
    # the Great Expectations checkpoint fails on the same alerts
    code, out, _ = run_driftline(built, "checkpoint")
    assert code == 1, out
    assert f"FAIL  monitor loan_default: no alert in the latest chunk that the allow-list does not cover ({len(latest)} open alerts)" in out

    # A project allow-lists with its own seed of the same name and disables the package's one.
    allowed = DbtProject(workdir, built.project.adapter, built.schema, built.project.duckdb_path, variant="allow")
    families = sorted(set(latest.family))
    (allowed.dir / "seeds").mkdir(exist_ok=True)
    (allowed.dir / "seeds" / "driftline_alert_exceptions.csv").write_text(
        "monitor,family,column_name,method,reason\n" + "".join(f"*,{f},*,*,known drift\n" for f in families))
    config = yaml.safe_load((allowed.dir / "dbt_project.yml").read_text())
    config["seed-paths"] = ["seeds"]
    config["seeds"] = {"driftline": {"driftline_alert_exceptions": {"+enabled": False}}}
    (allowed.dir / "dbt_project.yml").write_text(yaml.safe_dump(config))
    try:
        allowed.run("seed", monitors=built.monitors)
        allowed.run("build", "-s", "driftline_alerts", monitors=built.monitors, extra_vars={"driftline_alert_severity": "error"})
        listed = built.table("driftline_alerts")
        assert listed.allow_listed.astype(bool).all() and (listed.allow_reason == "known drift").all()
        code, out, _ = run_driftline(built, "checkpoint")
        assert code == 0, out
        assert "PASS  monitor loan_default: no alert in the latest chunk that the allow-list does not cover (0 open alerts)" in out
        assert out.rstrip().splitlines()[-1].startswith("checkpoint passed: ")
        # allow-listing only some families leaves the others failing
        (allowed.dir / "seeds" / "driftline_alert_exceptions.csv").write_text(
            "monitor,family,column_name,method,reason\n*,performance,*,*,concept shift\n")
        allowed.run("seed", monitors=built.monitors)
        allowed.run("run", "-s", "driftline_alerts", monitors=built.monitors)
        still = allowed.run("test", "-s", "driftline_alerts,test_type:generic", monitors=built.monitors,
                            extra_vars={"driftline_alert_severity": "error"}, expect_fail=True)
        gate = alerts_gate(still)
        assert gate.status == "fail" and gate.failures == int((latest.family != 'performance').sum()), gate
        code, out, _ = run_driftline(built, "checkpoint")
        assert code == 1 and f"({int((latest.family != 'performance').sum())} open alerts)" in out
        assert "performance realized" not in out and "univariate_drift car_value jensen_shannon" in out
        code, out, _ = run_driftline(built, "checkpoint", "--family", "performance")  # gate only what is allow-listed
        assert code == 0 and "no alert (performance) in the latest chunk" in out
    finally:  # leave the shared demo build as it was for the other tests
        built.project.run("seed", monitors=built.monitors)
        built.project.run("run", "-s", "driftline_alerts", monitors=built.monitors)
    assert not built.table("driftline_alerts").allow_listed.astype(bool).any()
