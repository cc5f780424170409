"""Train the house-price regressor (gradient-boosted trees) and export it to ONNX.

Modelship runs this as the spec's `train.command` from `models/house-prices`, and passes:

  MODELSHIP_OUTPUT_DIR      where model.onnx and metrics.json go      (default: ./outputs)
  MODELSHIP_PARAMS          JSON object of the spec's train.params     (default: read from model.yaml)
  MODELSHIP_TRAIN_DATA      training data file                         (default: data.train of model.yaml)
  MODELSHIP_TEST_DATA       held-out data, used here only to check the ONNX export
                                                                       (default: data.test of model.yaml)
  MODELSHIP_CHECKPOINT_DIR  survives a retried job: trees are added in rounds and each round is saved
                            there, so a retry continues from the last round (default: none)

Run by hand from the repository root:  python models/house-prices/train.py
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
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.metrics import mean_absolute_error, mean_absolute_percentage_error, r2_score, root_mean_squared_error
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
# Opsets every onnxruntime from 1.14 on runs, onnxruntime-node included.
TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}
TREES_PER_ROUND = 50


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
    x_train, y_train = train[features], train[target].to_numpy(np.float64)
    categorical = [name for name in features if not pd.api.types.is_numeric_dtype(train[name])]
    numeric = [name for name in features if name not in categorical]
    n_estimators = int(params.get("n_estimators", 300))
    print(f"training on {len(train)} rows of {train_path}: numeric {numeric}, categorical {categorical}, params {params}")

    pipeline = Pipeline(
        [
            (
                "prepare",
                ColumnTransformer(
                    [
                        ("keep", "passthrough", numeric),
                        ("encode", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
                    ]
                ),
            ),
            (
                "regress",
                GradientBoostingRegressor(
                    learning_rate=float(params.get("learning_rate", 0.05)),
                    max_depth=int(params.get("max_depth", 3)),
                    subsample=float(params.get("subsample", 1.0)),
                    n_estimators=0,
                    warm_start=True,
                    random_state=0,
                ),
            ),
        ]
    )

    # A retried job resumes from the last saved round of the same params and data.
    fingerprint = hashlib.sha256(json.dumps(params, sort_keys=True).encode() + train_path.read_bytes()).hexdigest()[:16]
    checkpoint = Path(checkpoint_dir) / f"house-prices-{fingerprint}.pkl" if checkpoint_dir else None
    if checkpoint and checkpoint.exists():
        pipeline = pickle.loads(checkpoint.read_bytes())
        print(f"resuming from checkpoint {checkpoint} at {pipeline['regress'].n_estimators} trees")
    while pipeline["regress"].n_estimators < n_estimators:
        trees = min(pipeline["regress"].n_estimators + TREES_PER_ROUND, n_estimators)
        pipeline.set_params(regress__n_estimators=trees)
        pipeline.fit(x_train, y_train)
        print(f"  {trees}/{n_estimators} trees")
        if checkpoint:
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(checkpoint, pickle.dumps(pipeline))

    predictions = pipeline.predict(x_train)
    metrics = {
        "rmse": root_mean_squared_error(y_train, predictions),
        "mae": mean_absolute_error(y_train, predictions),
        "r2": r2_score(y_train, predictions),
        "mape": mean_absolute_percentage_error(y_train, predictions),
    }

    onnx_model = convert_sklearn(
        pipeline,
        name="house-prices",
        initial_types=[(name, onnx_input_type(train[name])) for name in features],
        target_opset=TARGET_OPSET,
    )
    # skl2onnx lists opsets in set order, which varies between runs: sort them for reproducible bytes.
    opsets = sorted(onnx_model.opset_import, key=lambda o: o.domain)
    del onnx_model.opset_import[:]
    onnx_model.opset_import.extend(opsets)
    model_bytes = onnx_model.SerializeToString()

    # The exported graph must price held-out houses as scikit-learn does (float32 trees: within 0.01 %).
    test = read_table(test_path)
    session = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    (onnx_prices,) = session.run(["variable"], as_onnx_feeds(test, features))
    if not np.allclose(onnx_prices.ravel(), pipeline.predict(test[features]), rtol=1e-4):
        sys.exit("train.py: the ONNX export disagrees with scikit-learn by more than 0.01 %")

    write_atomically(output_dir / "model.onnx", model_bytes)
    write_atomically(output_dir / "metrics.json", (json.dumps({k: round(float(v), 6) for k, v in metrics.items()}, indent=2) + "\n").encode())
    print(f"wrote {output_dir / 'model.onnx'} ({len(model_bytes)} bytes); training metrics {metrics}")


if __name__ == "__main__":
    main()
