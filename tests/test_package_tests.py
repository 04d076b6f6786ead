"""The package's own data tests (the not_null / unique / accepted_values tests of its yml files and the warn-level
tests of tests/dbt), run once per engine on the two builds that run them (tests/conftest.py: the parity build and
the awkward-input build), read from run_results.json.

On the parity data every test passes but the alert gate (expect_no_alerts_in_latest_chunk, severity warn), which
warns with one row per open alert of a latest chunk; on the awkward inputs exactly the warn tests that describe
them warn as well, with the number of failing rows worked out from the data, and every other test passes. The last test shows that the
status assertion is a real check: on each build it fails where the other build's status is asserted."""
import pytest

from conftest import edge_build, parity_build
from driftline.dbt_runner import Invocation

# the awkward-input build's warn tests and the monitors they name (tests/conftest.py edge_build)
EDGE_WARNINGS = {"driftline_reference_has_six_chunks", "driftline_rows_without_timestamp"}
# the alert gate on driftline_alerts (severity warn by default): it warns whenever a latest chunk has open alerts
GATE = "driftline_expect_no_alerts_in_latest_chunk_driftline_alerts_"


def assert_test_status(invocation: Invocation, name: str, status: str) -> None:
    """The data test `name` ended with `status` (pass / warn / fail / error) in this invocation's run_results."""
    result = invocation.node(name)
    assert result.resource_type == "test", result
    assert result.status == status, f"{name}: expected {status}, run_results.json says {result.status} ({result.message})"


def data_tests(invocation: Invocation) -> dict:
    return {r.name: r for r in invocation.results if r.resource_type == "test"}


def open_latest_alerts(built) -> int:
    """The alert gate's failing rows, counted independently: alerts of each monitor's latest chunk, not allow-listed."""
    alerts = built.table("driftline_alerts")
    return int((alerts.is_latest_chunk.astype(bool) & ~alerts.allow_listed.astype(bool)).sum())


def assert_gate(tests: dict, built) -> None:
    gate, expected = tests[GATE], open_latest_alerts(built)
    assert (gate.status, gate.failures) == ("warn" if expected else "pass", expected), gate


def test_every_package_test_passes_on_the_parity_build(adapter, workdir):
    built = parity_build(adapter, workdir)
    tests = data_tests(built.invocation)
    manifest_tests = built.project.manifest_tests()
    assert len(tests) == len(manifest_tests) > 50, (len(tests), len(manifest_tests))
    assert_gate(tests, built)
    failing = {name: (r.status, r.failures) for name, r in tests.items() if r.status != "pass" and name != GATE}
    assert not failing, failing
    assert all(r.failures == 0 for name, r in tests.items() if name != GATE)


def test_on_awkward_inputs_only_the_expected_tests_warn(adapter, workdir):
    built = edge_build(adapter, workdir)
    tests = data_tests(built.invocation)
    assert len(tests) == len(built.project.manifest_tests())
    assert_gate(tests, built)
    warned = {name for name, r in tests.items() if r.status == "warn" and name != GATE}
    assert warned == EDGE_WARNINGS
    assert all(r.status == "pass" for name, r in tests.items() if name not in EDGE_WARNINGS | {GATE})
    chunks = built.table("driftline_chunks")
    few = chunks[chunks.period == "reference"].groupby("monitor").size().lt(6).sum()
    assert tests["driftline_reference_has_six_chunks"].failures == few >= 1
    assert tests["driftline_rows_without_timestamp"].failures == 1  # edge_timestamp_nulls, analysis period


def test_status_assertion_fails_on_the_wrong_status(adapter, workdir):
    """A real build each way: the six-chunk test warns on the awkward inputs and passes on the parity data, and
    asserting the other status raises."""
    edge, parity = edge_build(adapter, workdir).invocation, parity_build(adapter, workdir).invocation
    assert_test_status(edge, "driftline_reference_has_six_chunks", "warn")
    assert_test_status(parity, "driftline_reference_has_six_chunks", "pass")
    with pytest.raises(AssertionError, match="expected pass, run_results.json says warn"):
        assert_test_status(edge, "driftline_reference_has_six_chunks", "pass")
    with pytest.raises(AssertionError, match="expected warn, run_results.json says pass"):
        assert_test_status(parity, "driftline_reference_has_six_chunks", "warn")
    with pytest.raises(AssertionError, match="0 nodes named"):
        assert_test_status(parity, "no_such_test", "pass")


def test_dbt_docs_show_the_outputs_and_the_seed_not_the_internal_models(workdir):
    """In the installing project's `dbt docs`, the internal driftline__* models are hidden; the driftline_*
    outputs and the driftline_alert_exceptions seed are shown, the seed with a description of every column."""
    import json

    built = parity_build("duckdb", workdir)
    nodes = json.loads((built.project.dir / "target" / "manifest.json").read_text())["nodes"].values()
    package = {n["name"]: n for n in nodes if n["package_name"] == "driftline" and n["resource_type"] in ("model", "seed")}
    internal = {name for name in package if name.startswith("driftline__")}
    assert len(internal) >= 15 and not [n for n in internal if package[n]["docs"]["show"]]
    outputs = set(package) - internal
    assert {"driftline_alerts", "driftline_performance", "driftline_alert_exceptions"} <= outputs
    assert all(package[n]["docs"]["show"] for n in outputs)
    seed = package["driftline_alert_exceptions"]
    assert "allow-listed" in seed["description"]
    assert set(seed["columns"]) == {"monitor", "family", "column_name", "method", "reason"}
    assert all(c["description"] for c in seed["columns"].values())
