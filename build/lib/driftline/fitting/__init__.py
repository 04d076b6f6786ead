"""Reference-side fitting for driftline's Python models: pure functions, arrays in, fitted state out.

The fitted state is what the SQL side needs to reproduce NannyML 0.13.1 (see shared/algorithms.md):

* :mod:`driftline.fitting.calibration` - the CBPE calibration decision and the isotonic knots (§4.2, §4.3);
* :mod:`driftline.fitting.sampling_error` - the reference components of every CBPE metric's sampling error,
  as ``SE(n) = se_scale * n ** se_power`` (§3.1, §3.2);
* :mod:`driftline.fitting.cbpe` - :func:`fit_cbpe`, both of the above as one long frame.
"""
from __future__ import annotations

from .calibration import apply_knots, fit_calibrators, isotonic_knots, needs_calibration
from .cbpe import FIT_COLUMNS, fit_cbpe
from .sampling_error import sampling_error_components

__all__ = [
    "FIT_COLUMNS",
    "apply_knots",
    "fit_calibrators",
    "fit_cbpe",
    "isotonic_knots",
    "needs_calibration",
    "sampling_error_components",
]
