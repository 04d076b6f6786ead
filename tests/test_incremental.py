"""Incremental by chunk: after analysis rows are appended, `dbt build` summarises only the chunks that are
new or were incomplete, and every output equals a full refresh on the same data."""
import numpy as np
import pandas as pd
import pytest

from support import edge_data
from support.dbt import DbtProject

DATA = "dl_inc_data"
OUTPUTS = ["driftline_chunks", "driftline_univariate_drift", "driftline_data_quality", "driftline_summary_stats"]


@pytest.fixture(scope="module")
def runs(adapter, workdir):
    from conftest import make_warehouse

    wh = make_warehouse(adapter, workdir)
    wh.reset_schema(DATA)
    frames = edge_data.frames()
    wh.load(DATA, "edge_reference", frames["reference"])
    wh.load(DATA, "edge_analysis", frames["analysis"].iloc[:1700])
    monitors = [edge_data.monitor(DATA, "incremental")]
    for schema in ("dl_inc", "dl_inc_full"):
        wh.execute(f'drop schema if exists "{schema}" cascade')
    project = DbtProject(workdir, adapter, "dl_inc", wh.duckdb_path)
    project.build(monitors)
    before = wh.table("dl_inc", "driftline__chunk_moments")
    # append the rest of the analysis rows, then build again (incremental)
    wh.load(DATA, "edge_analysis_rest", frames["analysis"].iloc[1700:])
    wh.execute(f'insert into "{DATA}"."edge_analysis" select * from "{DATA}"."edge_analysis_rest"')
    project.build(monitors)
    after = wh.table("dl_inc", "driftline__chunk_moments")
    full = DbtProject(workdir, adapter, "dl_inc_full", wh.duckdb_path)
    full.build(monitors, "--full-refresh")
    return wh, before, after


def test_only_new_or_incomplete_chunks_are_summarised(runs):
    _, before, after = runs
    stamp = lambda frame: frame.groupby(["period", "chunk_index"]).summarised_at.max()
    b, a = stamp(before), stamp(after)
    assert sorted(b.loc["analysis"].index) == [0, 1, 2, 3]          # 3 full chunks + 200 rows
    assert sorted(a.loc["analysis"].index) == [0, 1, 2, 3, 4, 5]
    for chunk in (0, 1, 2):                                          # complete before: untouched
        assert a.loc[("analysis", chunk)] == b.loc[("analysis", chunk)]
    assert a.loc[("analysis", 3)] > b.loc[("analysis", 3)]           # was incomplete: recomputed
    assert (a.loc["reference"] == b.loc["reference"]).all()          # reference unchanged: untouched


@pytest.mark.parametrize("table", OUTPUTS)
def test_incremental_equals_full_refresh(runs, table):
    wh = runs[0]
    keys = [c for c in ["period", "chunk_index", "column_name", "method", "check_name", "statistic"]]
    inc = wh.table("dl_inc", table)
    full = wh.table("dl_inc_full", table)
    keys = [k for k in keys if k in inc.columns]
    inc, full = inc.sort_values(keys).reset_index(drop=True), full.sort_values(keys).reset_index(drop=True)
    assert len(inc) == len(full) > 0
    for col in inc.columns:
        if pd.api.types.is_numeric_dtype(inc[col]) and col not in ("alert",):
            assert np.allclose(inc[col].astype(float), full[col].astype(float), rtol=1e-12, atol=1e-12, equal_nan=True), col
        else:
            assert inc[col].astype(str).tolist() == full[col].astype(str).tolist(), col
