"""DuckDB and PostgreSQL produce the same outputs on the same data (within 1e-9), row for row."""
import numpy as np
import pandas as pd
import pytest

from conftest import demo_build, edge_build, parity_build

OUTPUTS = {
    "driftline_chunks": ["monitor", "period", "chunk_index"],
    "driftline_univariate_drift": ["monitor", "period", "chunk_index", "column_name", "method"],
    "driftline_data_quality": ["monitor", "period", "chunk_index", "column_name", "check_name"],
    "driftline_summary_stats": ["monitor", "period", "chunk_index", "column_name", "statistic"],
    "driftline_performance": ["monitor", "period", "chunk_index", "kind", "metric"],
    "driftline_multivariate_drift": ["monitor", "period", "chunk_index", "method"],
    "driftline_alerts": ["monitor", "chunk_index", "family", "kind", "column_name", "method"],
    "driftline_feature_ranking": ["monitor", "ranker", "family", "method", "performance_metric", "performance_kind", "column_name"],
}
SKIP = {"config_fingerprint"}  # hashes the relation names, which are spelled per adapter (database name)


BUILDS = {"parity": parity_build, "edge": edge_build, "demo": demo_build}
EMPTY = {("edge", "driftline_performance")}  # the awkward-input monitors have no prediction columns


@pytest.fixture(scope="module", params=sorted(BUILDS))
def both(request, workdir):
    build = BUILDS[request.param]
    return request.param, build("duckdb", workdir), build("postgres", workdir)


@pytest.mark.parametrize("table", sorted(OUTPUTS))
def test_outputs_agree(both, table):
    name, *builds = both
    duck, pg = (b.table(table).sort_values(OUTPUTS[table]).reset_index(drop=True) for b in builds)
    if (name, table) in EMPTY:
        assert len(duck) == len(pg) == 0
        return
    assert len(duck) == len(pg) > 0
    assert list(duck.columns) == list(pg.columns)
    for col in [c for c in duck.columns if c not in SKIP]:
        a, b = duck[col], pg[col]
        if col in ("chunk_start_date", "chunk_end_date"):
            assert (pd.to_datetime(a).values == pd.to_datetime(b).values).all(), col
        elif pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(a):
            x, y = a.astype(float).to_numpy(), pd.to_numeric(b).astype(float).to_numpy()
            assert np.array_equal(np.isnan(x), np.isnan(y)), col
            ok = ~np.isnan(x)
            assert np.allclose(x[ok], y[ok], rtol=1e-9, atol=1e-9), (col, np.max(np.abs(x[ok] - y[ok])))
        else:
            def text(values):  # NULL comes back as None, NaN or pd.NA depending on the driver and dtype
                return [None if pd.isna(v) else str(v) for v in values]
            assert text(a) == text(b), col
