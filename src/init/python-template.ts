/**
 * The Python training script and requirements `modelship init` writes: a scikit-learn pipeline
 * (scaled numbers, one-hot categories; logistic regression for classes, ridge for numbers) exported
 * to ONNX with one input per feature, as `modelship train` expects. Pins match example-repo's.
 */

/** requirements.txt of a new model, pinned like example-repo's. */
export const PYTHON_REQUIREMENTS = `numpy==2.4.6
pandas==3.1.1
PyYAML==6.0.3
scikit-learn==1.9.1
skl2onnx==1.20.0
onnx==1.23.2
onnxruntime==1.32.0
`

/** train.py of a new model; it reads the spec's roles from model.yaml, so it needs no edit to run. */
export const PYTHON_TRAIN_SCRIPT = `"""Train this model and export it to ONNX (written by modelship init; make it yours).

Modelship runs it as the spec's train.command from the model's folder and passes
MODELSHIP_OUTPUT_DIR (write model.onnx and metrics.json there), MODELSHIP_PARAMS (JSON of
train.params), MODELSHIP_TRAIN_DATA and MODELSHIP_TEST_DATA. The features and the target are read
from model.yaml, so editing the spec is enough to change them.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

HERE = Path(__file__).resolve().parent
SPEC = yaml.safe_load((HERE / "model.yaml").read_text())
REPO_ROOT = HERE.parents[len(Path(SPEC["name"].replace(":", "/")).parts)]


def read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".arrow", ".feather", ".ipc"):
        return pd.read_feather(path)
    sys.exit(f"train.py: cannot read {path}: expected a .csv, .parquet or .arrow file")


def onnx_input(column: pd.Series):
    """One ONNX input per feature, [N, 1], typed like the column (strings for categories)."""
    if pd.api.types.is_integer_dtype(column):
        return Int64TensorType([None, 1])
    if pd.api.types.is_numeric_dtype(column):
        return FloatTensorType([None, 1])
    return StringTensorType([None, 1])


def main() -> None:
    data = SPEC["data"]
    features, target = data["features"], data["target"]
    params = json.loads(os.environ.get("MODELSHIP_PARAMS") or "{}")
    train_path = Path(os.environ.get("MODELSHIP_TRAIN_DATA") or REPO_ROOT / data["train"])
    out = Path(os.environ.get("MODELSHIP_OUTPUT_DIR") or HERE / "outputs")
    out.mkdir(parents=True, exist_ok=True)

    frame = read_table(train_path)
    x, y = frame[features], frame[target]
    numeric = [name for name in features if pd.api.types.is_numeric_dtype(x[name])]
    categorical = [name for name in features if name not in numeric]
    x = x.astype({name: "float32" for name in numeric if not pd.api.types.is_integer_dtype(x[name])})
    x = x.astype({name: str for name in categorical})
    classifier = SPEC["task"] != "regression"
    estimator = (
        LogisticRegression(C=float(params.get("C", 1.0)), max_iter=int(params.get("max_iter", 1000)))
        if classifier
        else Ridge(alpha=float(params.get("alpha", 1.0)))
    )
    model = Pipeline(
        [
            (
                "columns",
                ColumnTransformer(
                    [("numbers", StandardScaler(), numeric), ("categories", OneHotEncoder(handle_unknown="ignore"), categorical)]
                ),
            ),
            ("model", estimator),
        ]
    )
    model.fit(x, y)

    inputs = [(name, onnx_input(x[name])) for name in features]
    options = {id(estimator): {"zipmap": False}} if classifier else None
    onnx_model = convert_sklearn(model, initial_types=inputs, options=options, target_opset={"": 17, "ai.onnx.ml": 3})
    (out / "model.onnx").write_bytes(onnx_model.SerializeToString())
    score = float(model.score(x, y))
    (out / "metrics.json").write_text(json.dumps({"accuracy" if classifier else "r2": score}) + "\\n")
    print(f"train.py: trained on {len(frame)} rows; training {'accuracy' if classifier else 'r2'} {score:.4f}; wrote {out / 'model.onnx'}")


if __name__ == "__main__":
    main()
`
