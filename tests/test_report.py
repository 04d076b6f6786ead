"""`driftline report` on the demo build, opened in a real headless Chromium (Debian's chromium + chromium-driver):
every monitor and section has rendered, non-empty plots, the alert markers match the tables, the page needs no
network and logs no console error. A screenshot is kept in test-artifacts/."""
from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import pytest

from driftline.report import Progress, render_report
from support.cli import run_driftline

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PLOT_SECTIONS = ["performance", "multivariate_drift", "univariate_drift", "data_quality", "summary_stats"]


@pytest.fixture(scope="module")
def report(demo_outputs, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / f"report_{demo_outputs.project.adapter}.html"
    code, out, err = run_driftline(demo_outputs, "report", "--output", str(path))
    assert code == 0, err
    first, *_, last = out.splitlines()
    assert first.startswith("driftline report: reading driftline tables from ") and f".{demo_outputs.schema} " in first, first
    assert re.fullmatch(rf"driftline report: wrote {re.escape(str(path))} \(\d[\d,]* KiB, \d+ plots, 1 monitor\(s\)\)", last)
    return path, int(re.search(r"(\d+) plots", out).group(1))


@pytest.fixture(scope="module")
def browser():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    if missing:
        message = f"{', '.join(missing)} not installed (apt-get install -y chromium chromium-driver; .ci/run does it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = Path(os.environ.get("TMPDIR", "/tmp")) / f"driftline-chromium-{os.getpid()}"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                 "--window-size=1400,2000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def test_report_renders_in_chromium(report, browser, demo_outputs):
    path, n_plots = report
    browser.get(path.as_uri())
    assert browser.title == "driftline report"
    monitors = browser.execute_script("return [...document.querySelectorAll('section.monitor')].map(s => s.dataset.monitor)")
    assert monitors == ["loan_default"]
    # every plot section of the monitor has SVG plots that were laid out and drew marks
    stats = browser.execute_script("""
        const out = {};
        for (const section of document.querySelectorAll('section.monitor section.family')) {
          const svgs = [...section.querySelectorAll('svg.plot')];
          out[section.dataset.section] = svgs.map(svg => {
            const box = svg.getBoundingClientRect();
            const marks = [...svg.querySelectorAll('polyline, polygon, rect, circle')]
              .filter(m => { const b = m.getBBox(); return b.width > 0 || b.height > 0; }).length;
            return [box.width, box.height, marks];
          });
        }
        return out;""")
    for section in PLOT_SECTIONS:
        plots = stats[section]
        assert plots, section
        assert all(w > 300 and h > 150 and marks >= 3 for w, h, marks in plots), (section, plots)
    assert sum(len(stats[s]) for s in PLOT_SECTIONS) == n_plots

    # the plots show the tables: one panel per metric/method/check, one red dot per alerting row
    for section, table, panel in [("performance", "driftline_performance", ["metric"]),
                                  ("multivariate_drift", "driftline_multivariate_drift", ["method"]),
                                  ("data_quality", "driftline_data_quality", ["column_name", "check_name"]),
                                  ("summary_stats", "driftline_summary_stats", ["column_name", "statistic"])]:
        rows = demo_outputs.table(table)
        assert len(stats[section]) == len(rows.groupby(panel)), section
        dots = browser.execute_script(
            f"return document.querySelectorAll('section[data-section={section}] svg.plot circle.alert').length")
        assert dots == int(rows.alert.astype(bool).sum()), section
    drift = demo_outputs.table("driftline_univariate_drift")
    features = sorted(set(drift.column_name))
    distributions = browser.execute_script(
        "return [...document.querySelectorAll('section[data-section=univariate_drift] figure.dist')].length")
    assert distributions == len(features) == 7
    series_dots = browser.execute_script(
        "return document.querySelectorAll('section[data-section=univariate_drift] figure:not(.dist) circle.alert').length")
    assert series_dots == int(drift.alert.astype(bool).sum())
    assert len(stats["univariate_drift"]) == len(features) + len(drift.groupby(["column_name", "method"]))

    # the tables: every analysis alert, and both rankers
    alerts = demo_outputs.table("driftline_alerts")
    rows = browser.execute_script("return document.querySelectorAll('section[data-section=alerts] tbody tr').length")
    assert rows == len(alerts)
    ranking_text = browser.execute_script("return document.querySelector('section[data-section=feature_ranking]').innerText")
    assert "Alert count ranker" in ranking_text and "Correlation ranker" in ranking_text and "car_value (r=1.00" in ranking_text

    errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / f"report_{demo_outputs.project.adapter}.png"))
    browser.execute_script("document.querySelector('section[data-section=univariate_drift]').scrollIntoView()")
    browser.save_screenshot(str(ARTIFACTS / f"report_{demo_outputs.project.adapter}_univariate.png"))


def test_report_is_self_contained(report):
    page = report[0].read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.I)  # nothing to fetch
    assert "@import" not in page and "url(http" not in page


def test_monitor_filter_and_progress(demo_outputs, tmp_path):
    code, _, err = run_driftline(demo_outputs, "report", "--monitor", "nope", "--output", str(tmp_path / "r.html"))
    assert code == 2 and "monitor nope is not in dl_demo.driftline_chunks (monitors: loan_default)" in err
    assert not (tmp_path / "r.html").exists()

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    from driftline.warehouse import Warehouse
    from driftline.cli import read_target

    output = read_target(demo_outputs.project.dir, demo_outputs.project.dir, None)
    warehouse = Warehouse(output, demo_outputs.project.dir, read_only=True)
    try:
        terminal, pipe = Terminal(), io.StringIO()
        page, plots = render_report(warehouse, demo_outputs.schema, ["loan_default"], progress=Progress(terminal))
        render_report(warehouse, demo_outputs.schema, ["loan_default"], progress=Progress(pipe))
    finally:
        warehouse.close()
    steps = terminal.getvalue().split("\r\x1b[K")
    assert steps[0] == "" and steps[-1] == ""  # each step overwrites the line; the last clears it
    assert steps[1:-1] == [f"driftline report: monitor 1/1 loan_default: {what} ({i}/7)" for i, what in enumerate(
        ["alerts", "performance", "multivariate drift", "univariate drift", "data quality", "summary statistics",
         "rankings"], 1)]
    assert pipe.getvalue() == ""  # not a terminal: no progress line
    assert plots == {"loan_default": page.count('<svg class="plot"')}


def test_report_and_status_on_awkward_inputs(edge_outputs, tmp_path):
    """The edge build: an empty analysis, NULL timestamps, period chunks, constant and all-missing columns,
    dropped remainders. Every monitor gets its section, and every plot-bearing family of a monitor that has
    analysis chunks draws at least one plot."""
    path = tmp_path / "edge.html"
    code, out, err = run_driftline(edge_outputs, "report", "--output", str(path))
    assert code == 0, err
    page = path.read_text(encoding="utf-8")
    monitors = sorted({m["name"] for m in edge_outputs.monitors if m.get("enabled", True)})  # not the paused one
    assert re.findall(r'<section class="monitor" id="monitor-([^"]+)"', page) == monitors
    assert f"{len(monitors)} monitor(s)" in out
    for monitor in monitors:
        section = page.split(f'id="monitor-{monitor}"', 1)[1].split('<section class="monitor"', 1)[0]
        assert section.count('<svg class="plot"') > 0, monitor
    code, out, err = run_driftline(edge_outputs, "status")
    assert code == 0, err
    assert "edge_empty_analysis  no analysis chunks yet" in out
    assert all(f"\n{m}  " in out for m in monitors)
