"""Starts KServe's Python model server (V2 REST) serving an ONNX model as `churn` with onnxruntime:
python kserve_server.py <model.onnx> <port>. KServe's defaults otherwise (one worker, no gRPC)."""
import sys

model_path, port = sys.argv[1], int(sys.argv[2])
sys.argv = sys.argv[:1]  # kserve parses the command line when it is imported

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
from kserve import InferOutput, InferRequest, InferResponse, Model, ModelServer  # noqa: E402

DATATYPES = {np.dtype(np.float32): "FP32", np.dtype(np.float64): "FP64", np.dtype(np.int64): "INT64", np.dtype(np.object_): "BYTES"}


class OnnxModel(Model):
    def load(self) -> bool:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
        self.outputs = [o.name for o in self.session.get_outputs()]
        self.ready = True
        return True

    async def predict(self, payload: InferRequest, headers=None, response_headers=None) -> InferResponse:
        feeds = {}
        for tensor in payload.inputs:
            array = tensor.as_numpy()
            if tensor.datatype == "BYTES":
                array = np.vectorize(lambda b: b.decode() if isinstance(b, bytes) else str(b), otypes=[object])(array)
            feeds[tensor.name] = array
        results = self.session.run(self.outputs, feeds)
        outputs = []
        for name, value in zip(self.outputs, results):
            value = np.asarray(value)
            out = InferOutput(name=name, shape=list(value.shape), datatype=DATATYPES.get(value.dtype, "FP32"))
            out.set_data_from_numpy(value, binary_data=False)
            outputs.append(out)
        return InferResponse(response_id=payload.id or "", model_name=self.name, infer_outputs=outputs)


if __name__ == "__main__":
    served = OnnxModel("churn")
    served.load()
    ModelServer(http_port=port, enable_grpc=False).start([served])
