"""Domain-classifier values per chunk (NannyML's DomainClassifierCalculator, algorithms.md §8.2).

A thin wrapper around driftline.fitting (`driftline fit` runs the same code for engines without dbt Python
models). Incremental by chunk: a chunk whose signature is unchanged keeps its value from the previous run
(driftline__domain_classifier_chunks says which are pending); the reference is read only when some chunk
is pending, and analysis rows one chunk at a time.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from driftline.fitting.state import domain_classifier_values, previous_state

    specs = dbt.ref("driftline__domain_classifier_specs").df()
    chunks = dbt.ref("driftline__domain_classifier_chunks").df()
    reference = dbt.ref("driftline__multivariate_reference")
    rows = dbt.ref("driftline__domain_classifier_rows")

    def quoted(text):
        return "'" + str(text).replace("'", "''") + "'"

    def reference_rows(monitor):
        return reference.filter(f"monitor = {quoted(monitor)}").df()

    def chunk_rows(monitor, chunk_index):
        return rows.filter(f"monitor = {quoted(monitor)} and chunk_index = {int(chunk_index)}").df()

    return domain_classifier_values(specs, chunks, reference_rows, chunk_rows, previous=previous_state(session, dbt.this))
