"""Data-reconstruction (PCA) fitted state, learned from the reference: imputation values, category
frequencies, scaling and principal components. A thin wrapper around driftline.fitting; `driftline fit`
runs the same code for engines without dbt Python models. Unchanged monitors keep their previous state.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from driftline.fitting.state import fit_all_reconstruction, previous_state

    specs = dbt.ref("driftline__multivariate_specs").df()
    rows = dbt.ref("driftline__multivariate_reference").df()
    return fit_all_reconstruction(specs, rows, previous=previous_state(session, dbt.this)).state
