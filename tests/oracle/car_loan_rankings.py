"""Oracle for tests/test_alerts.py: NannyML 0.13.1's AlertCountRanker and CorrelationRanker on the car_loan
parity data (chunks of 5000 rows), written to tests/fixtures/car_loan_rankings.csv.

Run it in an environment that has NannyML (never driftline's own): python tests/oracle/car_loan_rankings.py
The committed CSV is what the test reads, so CI needs no NannyML.
"""
import os
from pathlib import Path

import pandas as pd

os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")
pd.set_option("future.infer_string", False)
if not hasattr(pd.Series, "ravel"):  # removed in pandas 3; NannyML 0.13.1's CorrelationRanker still calls it
    pd.Series.ravel = lambda self, order="C": self.to_numpy().ravel(order)
import nannyml as nml  # noqa: E402

HERE = Path(__file__).resolve().parent
PARITY = HERE.parents[2] / "shared" / "parity" / "car_loan"


def main() -> None:
    spec = pd.read_json(PARITY / "spec.json", typ="series")
    reference = pd.read_csv(PARITY / "reference.csv", parse_dates=["timestamp"])
    analysis = pd.read_csv(PARITY / "analysis.csv", parse_dates=["timestamp"])
    for frame in (reference, analysis):
        for column in spec["categorical"]:
            frame[column] = frame[column].astype("object")

    drift = nml.UnivariateDriftCalculator(
        column_names=list(spec["features"]), treat_as_categorical=list(spec["categorical"]),
        timestamp_column_name="timestamp", chunk_size=5000,
        continuous_methods=["jensen_shannon"], categorical_methods=["jensen_shannon"],
    ).fit(reference).calculate(analysis)
    cbpe = nml.CBPE(
        y_pred_proba="y_pred_proba", y_pred="y_pred", y_true="repaid", timestamp_column_name="timestamp",
        problem_type="classification_binary", metrics=["roc_auc"], chunk_size=5000,
    ).fit(reference).estimate(analysis)

    alert_count = nml.AlertCountRanker().rank(drift.filter(period="analysis", methods=["jensen_shannon"]),
                                              only_drifting=False)
    ranker = nml.CorrelationRanker()
    ranker.fit(cbpe.filter(period="reference", metrics=["roc_auc"]))
    correlation = ranker.rank(drift.filter(methods=["jensen_shannon"]), cbpe.filter(metrics=["roc_auc"]),
                              only_drifting=False)

    rows = [dict(ranker="alert_count", column_name=r.column_name, rank=int(r.rank),
                 number_of_alerts=int(r.number_of_alerts)) for r in alert_count.itertuples()]
    rows += [dict(ranker="correlation", column_name=r.column_name, rank=int(r.rank),
                  correlation=r.pearsonr_correlation, p_value=r.pearsonr_pvalue, has_drifted=bool(r.has_drifted))
             for r in correlation.itertuples()]
    out = HERE.parent / "fixtures" / "car_loan_rankings.csv"
    pd.DataFrame(rows).to_csv(out, index=False, float_format="%.17g")
    print(pd.DataFrame(rows).to_string())


if __name__ == "__main__":
    main()
