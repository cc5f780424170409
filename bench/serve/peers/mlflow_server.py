"""Prepares `mlflow models serve` for the benchmark: python mlflow_server.py save <model.onnx> <dir>
writes the ONNX model as an MLflow model (the onnx flavour, pyfunc through onnxruntime) into <dir>;
bench/serve/serve.bench.ts then runs `mlflow models serve -m <dir> --env-manager local`."""
import shutil
import sys

import mlflow.onnx
import onnx

if sys.argv[1] != "save":
    sys.exit("usage: mlflow_server.py save <model.onnx> <dir>")
shutil.rmtree(sys.argv[3], ignore_errors=True)
mlflow.onnx.save_model(onnx.load(sys.argv[2]), sys.argv[3])
print(f"saved {sys.argv[3]}")
