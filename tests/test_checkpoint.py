"""`driftline checkpoint` (Great Expectations) beyond the alert gate, which test_alerts.py exercises with the
allow-list: the contract expectations catch broken tables, and bad arguments are clear errors."""
from __future__ import annotations

import json

import pytest

from support.cli import run_driftline

BROKEN = "dl_gx_broken"


@pytest.fixture
def broken_copy(demo_outputs):
    """A copy of the demo's tables with a NULL chunk key, an unknown period and a duplicated drift row."""
    wh, source = demo_outputs.warehouse, demo_outputs.schema
    wh.execute(f'drop schema if exists "{BROKEN}" cascade')
    wh.execute(f'create schema "{BROKEN}"')
    for table in ("driftline_chunks", "driftline_univariate_drift", "driftline_alerts"):
        wh.execute(f'create table "{BROKEN}"."{table}" as select * from "{source}"."{table}"')
    wh.execute(f"""update "{BROKEN}"."driftline_chunks" set chunk_key = null where period = 'analysis' and chunk_index = 0""")
    wh.execute(f"""update "{BROKEN}"."driftline_chunks" set period = 'baseline' where period = 'reference' and chunk_index = 0""")
    wh.execute(f"""insert into "{BROKEN}"."driftline_univariate_drift" select * from "{source}"."driftline_univariate_drift"
                   where period = 'analysis' and chunk_index = 1 and column_name = 'car_value' and method = 'jensen_shannon'""")
    yield BROKEN
    wh.execute(f'drop schema if exists "{BROKEN}" cascade')


def test_contract_expectations_catch_broken_tables(demo_outputs, broken_copy, tmp_path):
    result = tmp_path / "gx.json"
    code, out, err = run_driftline(demo_outputs, "checkpoint", "--schema", broken_copy, "--result-json", str(result))
    assert code == 1, out + err
    lines = out.splitlines()
    assert "  driftline_chunks: 6 of 8 expectations met" in lines
    assert "    FAIL  driftline_chunks.chunk_key is never NULL (1 of 12 rows unexpected, e.g. [None])" in lines
    assert "    FAIL  driftline_chunks.period is reference or analysis (1 of 12 rows unexpected, e.g. ['baseline'])" in lines
    assert "  driftline_univariate_drift: 7 of 8 expectations met" in lines
    assert any(line.startswith("    FAIL  driftline_univariate_drift has one row per monitor x period x chunk_index x "
                               "column_name x method (2 of ") for line in lines)
    # the alert gate still runs, and the tables it lacks are not checked
    assert any(line.startswith("    FAIL  monitor loan_default: no alert in the latest chunk") for line in lines)
    assert "driftline_performance" not in out
    written = json.loads(result.read_text())
    assert written["success"] is False


def test_checkpoint_passes_contract_on_the_demo_and_lists_every_check_with_verbose(demo_outputs):
    code, out, _ = run_driftline(demo_outputs, "checkpoint", "--verbose")
    assert code == 1  # the demo alerts
    lines = out.splitlines()
    contract = [line for line in lines if line.startswith("    ") and "monitor loan_default" not in line
                and not line.startswith("      ")]
    assert contract and all(line.startswith("    PASS  ") for line in contract)
    for table in ("driftline_chunks", "driftline_performance", "driftline_multivariate_drift", "driftline_univariate_drift",
                  "driftline_data_quality", "driftline_summary_stats"):
        assert any(line.startswith(f"  {table}: ") and line.split(": ")[1].split(" of ")[0] == line.split(" of ")[1].split()[0]
                   for line in lines), table


@pytest.mark.parametrize("args, message", [
    (["--monitor", "nope"], "monitor nope has no chunks in dl_demo.driftline_chunks (monitors there: loan_default)"),
    (["--family", "drift"], "unknown alert family drift; choose from performance, multivariate_drift"),
    (["--schema", "dl_no_such_schema"], "no driftline_chunks in schema dl_no_such_schema"),
])
def test_bad_arguments_are_clear_errors(demo_outputs, args, message):
    code, _, err = run_driftline(demo_outputs, "checkpoint", *args)
    assert code == 2 and message in err
