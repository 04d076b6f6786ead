"""Parity of realized performance and CBPE with NannyML 0.13.1 (tests/fixtures/parity/*/cbpe.csv, realized.csv
and the chunker_* CBPE files): estimated values, thresholds, sampling errors and confidence bands within 1e-6,
realized values within 1e-9, alerts equal.

The average_precision sampling error is a 50-draw bootstrap. NannyML draws it from numpy's global random state;
the oracle seeds that with 0 (tests/oracle/parity.py), driftline's fit draws from RandomState(0) by default, and
the draws are the same, so it is compared like every other sampling error."""
import pytest

from support import parity

CASES = parity.performance_cases()


@pytest.mark.parametrize("dataset,monitor,stem", CASES, ids=[f"{c[1]}-{c[2]}" for c in CASES])
def test_performance_matches_nannyml(parity_outputs, dataset, monitor, stem):
    compare = parity.comparator().compare
    actual = parity_outputs.table("driftline_performance", monitor)
    exact = 1e-9 if stem == "realized" else 1e-6
    folder = str(parity.PARITY / dataset)
    for fields, atol in ((["value", "realized_value"], exact),
                         (["upper_threshold", "lower_threshold", "alert"], 1e-6),
                         (["sampling_error", "upper_confidence", "lower_confidence"], 1e-6)):
        result = compare(folder, stem, actual, atol=atol, fields=fields)
        parity.record(parity_outputs, dataset, f"{stem} {'/'.join(fields)}", result.compared)
        assert result.compared > 0 and result.ok, result.message()
