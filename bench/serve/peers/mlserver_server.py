"""Starts MLServer serving an ONNX model as `churn`: python mlserver_server.py <model.onnx> <port>.

MLServer 1.7.1's default (one parallel inference worker process) dies at start on Python 3.11 here
("There is no current event loop in thread 'MainThread'"), so the model runs in the server process
(parallel_workers 0), which the issue measured as MLServer's faster setting (580 against 280 req/s).
"""
import json
import os
import sys
import tempfile

model, port = os.path.abspath(sys.argv[1]), int(sys.argv[2])
folder = tempfile.mkdtemp(prefix="modelship-bench-mlserver-")
with open(os.path.join(folder, "settings.json"), "w") as f:
    # Ports beside the HTTP one are moved out of the way.
    json.dump({"http_port": port, "grpc_port": port + 1, "metrics_port": port + 2, "parallel_workers": 0, "debug": False}, f)
with open(os.path.join(folder, "model-settings.json"), "w") as f:
    json.dump({"name": "churn", "implementation": "mlserver_runtime.OnnxRuntime", "parameters": {"uri": model}}, f)
here = os.path.dirname(os.path.abspath(__file__))
os.environ["PYTHONPATH"] = here + os.pathsep + os.environ.get("PYTHONPATH", "")
mlserver = os.path.join(os.path.dirname(sys.executable), "mlserver")
os.execv(mlserver, [mlserver, "start", folder])
