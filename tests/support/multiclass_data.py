"""A deterministic 3-class credit-card data set for multiclass performance (realized and CBPE), built by code.

reference: 6,000 rows, analysis: 6,000 rows, chunks of 1,000 (6 + 6). Columns:
  id, ts                 unique and increasing (one row every 10 minutes), the analysis continues the reference
  income, debt_ratio     two continuous features
  y_pred_proba_<class>   the model's probabilities, rounded to 2 decimals with the last class = 1 - the others
                         (so each row sums to 1 up to float rounding); many ties among scores, on purpose
  y_pred                 the class with the highest probability (first one on ties)
  y_true                 drawn from the true class probabilities

The model is over-confident (its logits are the true ones times 1.2). With seed 19, CBPE's calibration check
(§4.2) finds that prepaid_card and upmarket_card need isotonic calibration and highstreet_card does not, so
both paths of the calibration map are exercised. In the second half of the analysis the features shift towards
the region where classes overlap and 15% of the labels are re-drawn at random: realized and estimated
performance both drop there.

`edge_frames()` returns a second analysis set (3,000 rows, chunks of 500 under the edge monitor) made of the
same kind of rows with awkward chunks, each documented where it is built.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

CLASSES = ["prepaid_card", "highstreet_card", "upmarket_card"]
SORTED_CLASSES = sorted(CLASSES)
PROBA = {c: f"y_pred_proba_{c}" for c in CLASSES}
N_REF = N_ANALYSIS = 6000
CHUNK = 1000
EDGE_CHUNK = 500
EDGE_ROWS = 3000
FEATURES = ["income", "debt_ratio"]
OVERCONFIDENCE = 1.2


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _logits(income: np.ndarray, debt: np.ndarray) -> np.ndarray:
    """True class logits, columns in CLASSES order: prepaid (low income, high debt), highstreet, upmarket."""
    return np.column_stack([
        -1.2 * income + 1.0 * debt,
        0.2 * income - 0.2 * debt + 0.3,
        1.3 * income - 0.9 * debt - 0.2,
    ])


def _rounded_probabilities(p: np.ndarray) -> np.ndarray:
    """Round to 2 decimals; the last class takes 1 - the others (kept >= 0)."""
    out = np.round(p, 2)
    head = out[:, :-1]
    over = head.sum(axis=1) > 1
    head[over, np.argmax(head[over], axis=1)] -= np.round(head[over].sum(axis=1) - 1, 2)
    out[:, :-1] = np.round(head, 2)
    out[:, -1] = np.round(1 - out[:, :-1].sum(axis=1), 2)
    return out


def _rows(rng: np.random.Generator, n: int, shift: float = 0.0, noise: float = 0.0) -> pd.DataFrame:
    income = rng.normal(shift * 0.6, 1.0 - 0.4 * shift, n)
    debt = rng.normal(shift * 0.5, 1.0 - 0.4 * shift, n)
    logits = _logits(income, debt)
    truth = _softmax(logits)
    labels = np.minimum((rng.random(n)[:, None] > np.cumsum(truth, axis=1)).sum(axis=1), len(CLASSES) - 1)
    relabel = rng.random(n) < noise
    labels[relabel] = rng.integers(0, len(CLASSES), int(relabel.sum()))
    model = _rounded_probabilities(_softmax(OVERCONFIDENCE * logits))
    frame = pd.DataFrame({"income": np.round(income, 4), "debt_ratio": np.round(debt, 4)})
    for i, c in enumerate(CLASSES):
        frame[PROBA[c]] = model[:, i]
    frame["y_pred"] = np.array(CLASSES, dtype=object)[np.argmax(model, axis=1)]
    frame["y_true"] = np.array(CLASSES, dtype=object)[labels]
    return frame


def _stamp(frame: pd.DataFrame, first_id: int) -> pd.DataFrame:
    n = len(frame)
    frame.insert(0, "ts", pd.Timestamp("2024-01-01") + pd.to_timedelta((first_id + np.arange(n)) * 10, unit="min"))
    frame.insert(0, "id", (first_id + np.arange(n)).astype("int64"))
    return frame.reset_index(drop=True)


def frames(seed: int = 19) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    reference = _stamp(_rows(rng, N_REF), 0)
    half = N_ANALYSIS // 2
    analysis = pd.concat([_rows(rng, half), _rows(rng, N_ANALYSIS - half, shift=0.8, noise=0.15)], ignore_index=True)
    analysis = _stamp(analysis, N_REF)
    # late targets: 40 rows of analysis chunk 4 have no target yet; 7 rows of chunk 5 have no prediction
    analysis.loc[4000:4039, "y_true"] = None
    analysis.loc[5100:5106, "y_pred"] = None
    return {"reference": reference, "analysis": analysis}


def edge_frames(seed: int = 12) -> pd.DataFrame:
    """An analysis set whose chunks (500 rows) each hold an awkward case:

    0: y_true never is 'upmarket_card'          realized roc_auc and average_precision NULL, the rest computed
    1: y_pred is 'prepaid_card' on every row    realized f1/precision/recall/specificity and confusion matrix NULL
    2: one row's probabilities sum to 0.9,       realized roc_auc NULL (not probabilities, sklearn refuses);
       3 rows have a NULL probability and        those rows leave every probability-based metric (estimated n = 497)
       5 rows predict a label that is not a class ('unknown_card': counts nowhere, wrong for accuracy)
    3: no targets at all                         no realized rows, estimates as usual
    4: half the targets missing, 4 NULL y_pred
    5: ordinary rows
    """
    rng = np.random.default_rng(seed)
    parts = []
    chunk0 = _rows(rng, 3 * EDGE_CHUNK)
    parts.append(chunk0[chunk0.y_true != "upmarket_card"].head(EDGE_CHUNK))
    chunk1 = _rows(rng, EDGE_CHUNK)
    chunk1["y_pred"] = "prepaid_card"
    parts.append(chunk1)
    chunk2 = _rows(rng, EDGE_CHUNK)
    cols = [PROBA[c] for c in CLASSES]
    chunk2.loc[10, cols] = [0.3, 0.3, 0.3]
    chunk2.loc[[20, 21, 22], PROBA["highstreet_card"]] = np.nan
    chunk2.loc[30:34, "y_pred"] = "unknown_card"
    parts.append(chunk2)
    chunk3 = _rows(rng, EDGE_CHUNK)
    chunk3["y_true"] = None
    parts.append(chunk3)
    chunk4 = _rows(rng, EDGE_CHUNK, shift=0.5)
    chunk4.loc[chunk4.index % 2 == 0, "y_true"] = None
    chunk4.loc[[1, 3, 5, 7], "y_pred"] = None
    parts.append(chunk4)
    parts.append(_rows(rng, EDGE_CHUNK))
    edge = pd.concat(parts, ignore_index=True)
    assert len(edge) == EDGE_ROWS
    return _stamp(edge, 100_000)


def monitor(schema: str, name: str, relation: str, reference: str, chunk: int = CHUNK, **performance) -> dict:
    perf = {"metrics": ["roc_auc", "f1", "precision", "recall", "specificity", "accuracy", "average_precision",
                        "confusion_matrix", "business_value"],
            "business_value_matrix": BUSINESS_VALUE}
    perf.update(performance)
    return {
        "name": name,
        "relation": f"{schema}.{relation}",
        "reference": {"relation": f"{schema}.{reference}"},
        "timestamp": "ts",
        "id": "id",
        "problem_type": "classification_multiclass",
        "features": {"continuous": FEATURES},
        "chunking": {"size": chunk},
        "y_pred_proba": dict(PROBA),
        "y_pred": "y_pred",
        "y_true": "y_true",
        "performance": perf,
        "data_quality": False,
        "summary_stats": False,
    }


# BV[true][pred] over the sorted classes (highstreet_card, prepaid_card, upmarket_card)
BUSINESS_VALUE = [[10, -2, -8], [-4, 5, -20], [-6, -15, 40]]
