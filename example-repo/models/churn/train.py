"""Train the churn classifier and export it to ONNX.

Modelship runs this as the spec's `train.command` from `models/churn`, and passes:

  MODELSHIP_OUTPUT_DIR      where model.onnx and metrics.json go      (default: ./outputs)
  MODELSHIP_PARAMS          JSON object of the spec's train.params     (default: read from model.yaml)
  MODELSHIP_TRAIN_DATA      training data file                         (default: data.train of model.yaml)
  MODELSHIP_TEST_DATA       held-out data, used here only to check the ONNX export
                                                                       (default: data.test of model.yaml)
  MODELSHIP_CHECKPOINT_DIR  survives a retried job; a fit found there is reused (default: none)

Run by hand from the repository root:  python models/churn/train.py
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pandas as pd
import yaml
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, log_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
# Opsets every onnxruntime from 1.14 on runs, onnxruntime-node included.
TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}


def read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".arrow", ".feather", ".ipc"):
        return pd.read_feather(path)
    sys.exit(f"train.py: cannot read {path}: expected a .csv, .parquet or .arrow file")


def onnx_input_type(column: pd.Series):
    """One ONNX input per feature, [N, 1], typed like the column (strings for categories)."""
    if pd.api.types.is_integer_dtype(column):
        return Int64TensorType([None, 1])
    if pd.api.types.is_numeric_dtype(column):
        return FloatTensorType([None, 1])
    return StringTensorType([None, 1])


def as_onnx_feeds(frame: pd.DataFrame, features: list[str]) -> dict[str, np.ndarray]:
    feeds = {}
    for name in features:
        column = frame[name]
        if pd.api.types.is_integer_dtype(column):
            values = column.to_numpy(np.int64)
        elif pd.api.types.is_numeric_dtype(column):
            values = column.to_numpy(np.float32)
        else:
            values = column.astype(str).to_numpy(object)
        feeds[name] = values.reshape(-1, 1)
    return feeds


def write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def main() -> None:
    spec = yaml.safe_load((HERE / "model.yaml").read_text(encoding="utf-8"))
    target: str = spec["data"]["target"]
    features: list[str] = spec["data"]["features"]
    params = json.loads(os.environ["MODELSHIP_PARAMS"]) if os.environ.get("MODELSHIP_PARAMS") else spec["train"]["params"]
    train_path = Path(os.environ.get("MODELSHIP_TRAIN_DATA") or REPO_ROOT / spec["data"]["train"])
    test_path = Path(os.environ.get("MODELSHIP_TEST_DATA") or REPO_ROOT / spec["data"]["test"])
    output_dir = Path(os.environ.get("MODELSHIP_OUTPUT_DIR") or HERE / "outputs")
    checkpoint_dir = os.environ.get("MODELSHIP_CHECKPOINT_DIR")
    output_dir.mkdir(parents=True, exist_ok=True)

    train = read_table(train_path)
    x_train, y_train = train[features], train[target].to_numpy()
    categorical = [name for name in features if not pd.api.types.is_numeric_dtype(train[name])]
    numeric = [name for name in features if name not in categorical]
    print(f"training on {len(train)} rows of {train_path}: numeric {numeric}, categorical {categorical}, params {params}")

    # A retried job finds the fit of its first attempt (same params, same data) and skips fitting.
    # With train.mitigation in the spec, Modelship writes per-row reweighing weights (header row,weight,
    # one line per training row in file order) and names the file in MODELSHIP_SAMPLE_WEIGHTS.
    weights_path = os.environ.get("MODELSHIP_SAMPLE_WEIGHTS")
    sample_weight = None
    if weights_path:
        weights = pd.read_csv(weights_path)
        if len(weights) != len(train):
            raise SystemExit(f"{weights_path} has {len(weights)} weights for {len(train)} training rows")
        sample_weight = weights["weight"].to_numpy()
        print(f"fitting with reweighing sample weights from {weights_path}")
    fingerprint = hashlib.sha256(
        json.dumps(params, sort_keys=True).encode() + train_path.read_bytes() + (Path(weights_path).read_bytes() if weights_path else b"")
    ).hexdigest()[:16]
    checkpoint = Path(checkpoint_dir) / f"churn-{fingerprint}.pkl" if checkpoint_dir else None
    if checkpoint and checkpoint.exists():
        print(f"resuming from checkpoint {checkpoint}")
        pipeline = pickle.loads(checkpoint.read_bytes())
    else:
        pipeline = Pipeline(
            [
                (
                    "prepare",
                    ColumnTransformer(
                        [
                            ("scale", StandardScaler(), numeric),
                            ("encode", OneHotEncoder(handle_unknown="ignore"), categorical),
                        ]
                    ),
                ),
                ("classify", LogisticRegression(C=float(params.get("C", 1.0)), max_iter=int(params.get("max_iter", 1000)))),
            ]
        )
        pipeline.fit(x_train, y_train, **({"classify__sample_weight": sample_weight} if sample_weight is not None else {}))
        if checkpoint:
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(checkpoint, pickle.dumps(pipeline))

    probabilities = pipeline.predict_proba(x_train)[:, 1]
    predictions = pipeline.predict(x_train)
    metrics = {
        "accuracy": accuracy_score(y_train, predictions),
        "f1": f1_score(y_train, predictions),
        "roc_auc": roc_auc_score(y_train, probabilities),
        "log_loss": log_loss(y_train, probabilities),
    }

    onnx_model = convert_sklearn(
        pipeline,
        name="churn",
        initial_types=[(name, onnx_input_type(train[name])) for name in features],
        options={LogisticRegression: {"zipmap": False}},
        target_opset=TARGET_OPSET,
    )
    # skl2onnx lists opsets in set order, which varies between runs: sort them for reproducible bytes.
    opsets = sorted(onnx_model.opset_import, key=lambda o: o.domain)
    del onnx_model.opset_import[:]
    onnx_model.opset_import.extend(opsets)
    model_bytes = onnx_model.SerializeToString()

    # The exported graph must score held-out rows as scikit-learn does, or the export is broken.
    test = read_table(test_path)
    session = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    label, onnx_probabilities = session.run(["label", "probabilities"], as_onnx_feeds(test, features))
    expected = pipeline.predict_proba(test[features])
    if not np.allclose(onnx_probabilities, expected, atol=1e-4):
        sys.exit("train.py: the ONNX export disagrees with scikit-learn by more than 1e-4")
    if not np.array_equal(label, pipeline.predict(test[features])):
        sys.exit("train.py: the ONNX export predicts other labels than scikit-learn")

    write_atomically(output_dir / "model.onnx", model_bytes)
    write_atomically(output_dir / "metrics.json", (json.dumps({k: round(float(v), 6) for k, v in metrics.items()}, indent=2) + "\n").encode())
    print(f"wrote {output_dir / 'model.onnx'} ({len(model_bytes)} bytes); training metrics {metrics}")


if __name__ == "__main__":
    main()
