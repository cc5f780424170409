"""Baseline for bench/tree-shap.ts: shap's TreeExplainer on a scikit-learn gradient-boosting model and
shap's KernelExplainer on the same model exported to ONNX (onnxruntime), on the same rows.

Usage: python3 bench/tree-shap.py OUT_DIR [--repeats N]
Trains the model (seeded), writes OUT_DIR/model.onnx and OUT_DIR/data.json, and prints one JSON line:
{"tree_seconds", "kernel_seconds_per_row", "shap", "tree_values"} (CPU seconds). Exits 3 when a package is missing.
"""
import json
import sys
import time

try:
    import numpy as np
    import onnxruntime as ort
    import shap
    from skl2onnx import to_onnx
    from sklearn.ensemble import GradientBoostingClassifier
except ImportError as error:  # the TypeScript side reports the baseline as unavailable
    print(json.dumps({"unavailable": str(error)}))
    sys.exit(3)

out_dir = sys.argv[1]
repeats = int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 3
rng = np.random.default_rng(2026)
# float32-exact values: trees compare in float32 in scikit-learn and in ONNX alike.
X = rng.normal(size=(2000, 20)).astype(np.float32).astype(np.float64)
y = ((X[:, :5].sum(axis=1) + X[:, 5] * X[:, 6] + np.sin(X[:, 7] * 2)) > 0).astype(np.int64)
model = GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0).fit(X, y)
onx = to_onnx(model, X[:1].astype(np.float32), options={"zipmap": False}, target_opset={"": 17, "ai.onnx.ml": 3})
with open(f"{out_dir}/model.onnx", "wb") as f:
    f.write(onx.SerializeToString())
background = X[:100]
rows = X[1000:1100]
with open(f"{out_dir}/data.json", "w") as f:
    json.dump({"background": background.tolist(), "rows": rows.tolist()}, f)

# The same output the TypeScript side explains: P(1), with shap's exact probability rescaling.
# CPU time (process_time), best of the repeats: on a shared machine it moves far less than wall time.
tree_seconds = float("inf")
for _ in range(repeats):
    began = time.process_time()
    explainer = shap.TreeExplainer(model, data=background, feature_perturbation="interventional", model_output="probability")
    tree_values = explainer.shap_values(rows, check_additivity=False)
    tree_seconds = min(tree_seconds, time.process_time() - began)

session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
input_name = session.get_inputs()[0].name


def positive_probability(batch):
    return session.run(["probabilities"], {input_name: np.asarray(batch, dtype=np.float32)})[0][:, 1].astype(np.float64)


# KernelSHAP at its default budget costs seconds a row: time 5 rows and report per row.
np.random.seed(0)
began = time.process_time()
kernel = shap.KernelExplainer(positive_probability, background)
kernel.shap_values(rows[:5], l1_reg=False, silent=True)
kernel_per_row = (time.process_time() - began) / 5
print(json.dumps({"tree_seconds": tree_seconds, "kernel_seconds_per_row": kernel_per_row, "shap": shap.__version__, "tree_values": np.asarray(tree_values).tolist()}))
