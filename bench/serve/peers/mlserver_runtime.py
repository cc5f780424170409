"""An MLServer runtime serving an ONNX model with onnxruntime (MLServer has no ONNX runtime of its own).

Loaded by `mlserver start` through model-settings.json (implementation: mlserver_runtime.OnnxRuntime);
bench/serve/peers/mlserver_server.py writes those settings and starts it.
"""
import numpy as np
import onnxruntime as ort
from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.types import InferenceRequest, InferenceResponse


class OnnxRuntime(MLModel):
    async def load(self) -> bool:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self._session = ort.InferenceSession(self.settings.parameters.uri, options, providers=["CPUExecutionProvider"])
        self._outputs = [o.name for o in self._session.get_outputs()]
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        feeds = {}
        for request_input in payload.inputs:
            array = NumpyCodec.decode_input(request_input)
            if request_input.datatype == "BYTES":
                array = np.vectorize(lambda b: b.decode() if isinstance(b, bytes) else str(b), otypes=[object])(array)
            feeds[request_input.name] = array
        results = self._session.run(self._outputs, feeds)
        outputs = [NumpyCodec.encode_output(name, np.asarray(value)) for name, value in zip(self._outputs, results)]
        return InferenceResponse(model_name=self.name, id=payload.id, outputs=outputs)
