"""Baseline for bench/kernel-shap.ts: shap's KernelExplainer over onnxruntime on the same model and data.

Usage: python3 bench/kernel-shap.py INPUT.json   (written by bench/kernel-shap.ts)
Prints one JSON line: {"seconds": ..., "shap": version, "values": [[...]]}. Exits 3 when a package is missing.
"""
import json
import sys
import time

try:
    import numpy as np
    import onnxruntime as ort
    import shap
except ImportError as error:  # the TypeScript side reports the baseline as unavailable
    print(json.dumps({"unavailable": str(error)}))
    sys.exit(3)

with open(sys.argv[1]) as f:
    spec = json.load(f)
session = ort.InferenceSession(spec["model"], providers=["CPUExecutionProvider"])
input_name = session.get_inputs()[0].name


def positive_probability(rows):
    return session.run(["probabilities"], {input_name: np.asarray(rows, dtype=np.float32)})[0][:, 1].astype(np.float64)


background = np.asarray(spec["background"], dtype=np.float64)
rows = np.asarray(spec["rows"], dtype=np.float64)
np.random.seed(0)
began = time.perf_counter()
explainer = shap.KernelExplainer(positive_probability, background)
# l1_reg=False: plain KernelSHAP with the default budget (2M + 2048), the estimator the TypeScript side runs.
values = explainer.shap_values(rows, l1_reg=False, silent=True)
seconds = time.perf_counter() - began
print(json.dumps({"seconds": seconds, "shap": shap.__version__, "values": np.asarray(values).tolist()}))
