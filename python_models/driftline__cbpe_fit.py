"""CBPE fitted state (calibration maps and sampling-error components), learned from the reference.

A thin wrapper: the math lives in the driftline Python package (driftline.fitting), which the
`driftline fit` command also runs for engines without dbt Python models (PostgreSQL). A monitor whose
configuration and reference are unchanged keeps the state of the previous run, so the fit runs once per
reference change, not on every scheduled build.
"""


def previous_state(session, relation):
    try:
        return session.sql(f"select * from {relation}").df()
    except Exception:  # noqa: BLE001 - first run: the table does not exist yet
        return None


def model(dbt, session):
    dbt.config(materialized="table")
    from driftline.fitting.state import fit_all

    specs = dbt.ref("driftline__performance_specs").df()
    rows = dbt.ref("driftline__performance_reference").df()
    return fit_all(specs, rows, previous=previous_state(session, dbt.this))
