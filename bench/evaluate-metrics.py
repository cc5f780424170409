"""Baseline for bench/evaluate-metrics.ts: scikit-learn + Fairlearn on the same predictions.

Usage: python3 bench/evaluate-metrics.py DIR REPEATS
DIR holds y_true.u8, y_pred.u8, proba.f32, group.u8 (raw little-endian arrays) written by the
TypeScript bench. Prints one JSON line: the metric values and the seconds of each repeat (metrics and fairness
apart; repeats stop after 30 s, one at least). Only the computation is timed: reading the files,
importing the libraries and starting Python are not.
"""
import json
import os
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")
import fairlearn  # noqa: E402
import fairlearn.metrics as fm  # noqa: E402
import sklearn  # noqa: E402
import sklearn.metrics as skm  # noqa: E402

folder, repeats = sys.argv[1], int(sys.argv[2])
y_true = np.fromfile(os.path.join(folder, "y_true.u8"), dtype=np.uint8).astype(np.int64)
y_pred = np.fromfile(os.path.join(folder, "y_pred.u8"), dtype=np.uint8).astype(np.int64)
proba = np.fromfile(os.path.join(folder, "proba.f32"), dtype=np.float32)
group = np.where(np.fromfile(os.path.join(folder, "group.u8"), dtype=np.uint8) == 0, "F", "M")


def compute_metrics():
    return {
        "roc_auc": skm.roc_auc_score(y_true, proba),
        "accuracy": skm.accuracy_score(y_true, y_pred),
        "f1": skm.f1_score(y_true, y_pred),
        "log_loss": skm.log_loss(y_true, proba),
        "precision": skm.precision_score(y_true, y_pred),
        "recall": skm.recall_score(y_true, y_pred),
        "brier": skm.brier_score_loss(y_true, proba),
        "pr_auc": skm.average_precision_score(y_true, proba),
    }


def compute_fairness():
    return {
        "demographic_parity_difference": fm.demographic_parity_difference(y_true, y_pred, sensitive_features=group),
        "equalized_odds_difference": fm.equalized_odds_difference(y_true, y_pred, sensitive_features=group),
    }


# Fairlearn takes tens of seconds on a million rows: stop repeating after BUDGET seconds (one run at least).
BUDGET = 30.0
metric_seconds, fairness_seconds = [], []
values = {}
started = time.perf_counter()
for _ in range(repeats):
    start = time.perf_counter()
    values.update(compute_metrics())
    middle = time.perf_counter()
    values.update(compute_fairness())
    metric_seconds.append(middle - start)
    fairness_seconds.append(time.perf_counter() - middle)
    if time.perf_counter() - started > BUDGET:
        break
print(
    json.dumps(
        {
            "values": {k: float(v) for k, v in values.items()},
            "metric_seconds": metric_seconds,
            "fairness_seconds": fairness_seconds,
            "versions": {"scikit-learn": sklearn.__version__, "fairlearn": fairlearn.__version__, "numpy": np.__version__},
        }
    )
)
