"""`driftline status` on the demo build: the latest chunk's alerts, grouped by family and column, and the exit codes."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from driftline.status import number
from support.cli import run_driftline


@pytest.fixture(scope="module")
def status(demo_outputs):
    code, out, err = run_driftline(demo_outputs, "status")
    assert code == 0 and not err, err
    return out


@pytest.fixture(scope="module")
def latest(demo_outputs):
    alerts = demo_outputs.table("driftline_alerts")
    return alerts[alerts.is_latest_chunk.astype(bool)]


def test_headline_names_the_latest_chunk_and_its_alert_count(status, latest):
    lines = status.splitlines()
    # the demo drifts in its last quarter: the latest chunk is December, with drift, data-quality, statistics and
    # realized-performance alerts (the CBPE estimate cannot see the concept shift, so no estimated alert)
    assert latest.chunk_key.unique().tolist() == ["2023-12"]
    assert set(latest.family) == {"performance", "multivariate_drift", "univariate_drift", "data_quality", "summary_stats"}
    assert set(latest[latest.family == "performance"].kind) == {"realized"}
    headline = next(line for line in lines if line.startswith("loan_default"))
    assert headline.startswith("loan_default  latest chunk 2023-12 (")
    assert headline.endswith(f"rows): {len(latest)} alerts")
    rows = int(headline.split("(")[1].split(" rows")[0].replace(",", ""))
    chunks = pd.DataFrame(latest[["chunk_key", "n_rows"]]).drop_duplicates()
    assert rows == int(chunks.n_rows.iloc[0])


def test_every_latest_alert_is_listed_under_its_family_and_column(status, latest):
    lines = status.splitlines()
    for row in latest.itertuples():
        family = row.family + (f" ({row.kind})" if isinstance(row.kind, str) and row.kind else "")
        column = row.column_name if isinstance(row.column_name, str) and row.column_name else ""
        rate = row.family == "data_quality"
        item = f"{row.method} {number(row.value, rate)}"
        group = _group(lines, family, column)
        assert any(item in line for line in group), (row.family, column, item)


def test_alerts_read_as_the_demo_drifted(status):
    lines = status.splitlines()
    tenure = " ".join(_group(lines, "data_quality", "driver_tenure"))
    assert "missing 1" in tenure and "% > 0.0%" in tenure  # ~15% of tenure values go missing, none in the reference
    downpayment = " ".join(_group(lines, "data_quality", "size_of_downpayment"))
    assert "unseen " in downpayment  # the new '60%' category
    car = " ".join(_group(lines, "univariate_drift", "car_value"))
    assert all(m in car for m in ("jensen_shannon", "hellinger", "kolmogorov_smirnov", "wasserstein"))
    performance = " ".join(_group(lines, "performance (realized)", ""))
    assert "roc_auc 0.7" in performance and " < 0.9" in performance  # realized ROC AUC ~0.71 below ~0.92
    assert "multivariate_drift" in status and "pca_reconstruction" in " ".join(_group(lines, "multivariate_drift", ""))
    assert any(line.strip().startswith("likely causes of realized") and "car_value (r=" in line for line in lines)
    trend = next(line for line in lines if "alerts per analysis chunk:" in line)
    assert trend.split(": ", 1)[1].split(", ")[0].startswith("2023-07 ")
    assert trend.endswith(f"2023-12 {_latest_count(lines)}")


def test_fail_on_alerts_and_monitor_filter(demo_outputs):
    code, out, _ = run_driftline(demo_outputs, "status", "--fail-on-alerts")
    assert code == 1 and "loan_default  latest chunk 2023-12" in out
    code, out, _ = run_driftline(demo_outputs, "status", "--monitor", "loan_default")
    assert code == 0 and "loan_default  latest chunk" in out
    code, _, err = run_driftline(demo_outputs, "status", "--monitor", "no_such_monitor")
    assert code == 2 and "monitor no_such_monitor is not in dl_demo.driftline_chunks (monitors: loan_default)" in err


def _group(lines: list[str], family: str, column: str) -> list[str]:
    """The item lines of one family x column group: '    <family>  <column>  <items>' (no column: two cells),
    continued on lines whose heading cells are blank."""
    out, current = [], None
    for line in lines:
        if not line.startswith("    ") or line.strip().startswith(("likely causes", "alerting checks", "alerts per")):
            current = None
            continue
        cells = re.split(r"\s{2,}", line.strip())
        if line[4] != " ":  # a group's first line
            current = (cells[0], cells[1] if len(cells) == 3 else "")
        if current == (family, column):
            out.append(cells[-1])
    return out


def _latest_count(lines: list[str]) -> int:
    headline = next(line for line in lines if line.startswith("loan_default"))
    return int(headline.rsplit(": ", 1)[1].split()[0])


def test_summary_counts_every_family_and_the_headline_metric(demo_outputs):
    """`driftline summary` (what `make demo` prints): per family, the analysis alerts and checks of each table."""
    code, out, err = run_driftline(demo_outputs, "summary")
    assert code == 0 and not err, err
    analysis_chunks = demo_outputs.table("driftline_chunks").query("period == 'analysis'")
    for label, table in [("univariate drift", "driftline_univariate_drift"), ("data quality", "driftline_data_quality"),
                         ("summary stats", "driftline_summary_stats"), ("multivariate", "driftline_multivariate_drift")]:
        rows = demo_outputs.table(table).query("period == 'analysis'")
        alerts = rows[rows.alert.astype(bool)]
        expected = (f"    {label:<17} {len(alerts):>4} of {len(rows):,} checks alert, "
                    f"in {alerts.chunk_index.nunique()} of {len(analysis_chunks)} chunks")
        assert expected in out.splitlines(), (label, expected)
    performance = demo_outputs.table("driftline_performance")
    roc = performance.query("kind == 'estimated' and metric == 'roc_auc' and period == 'analysis'").sort_values("chunk_index")
    assert "  estimated roc_auc (CBPE) per analysis chunk, realized where targets exist:" in out
    last = roc.iloc[-1]
    assert f"    {last.chunk_key:<12} estimated {last.value:.3f}  realized {last.realized_value:.3f}" in out
    n_alerts = int(performance.query("period == 'analysis'").alert.astype(bool).sum())
    assert f"  performance alerts in the analysis period: {n_alerts} (all metrics, estimated and realized)" in out
