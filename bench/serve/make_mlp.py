"""Writes the batching benchmark's model: an MLP of about 2.6 million weights, as ONNX.

    python3 bench/serve/make_mlp.py <out.onnx>

input [N, 256] float32 -> Gemm 2048 + Relu -> Gemm 1024 + Relu -> Gemm 10 -> Softmax -> probabilities [N, 10].
Weights are drawn from a seeded generator, so every run benchmarks the same model. Needs numpy and onnx.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SIZES = [256, 2048, 1024, 10]


def main(out: str) -> None:
    rng = np.random.default_rng(0)
    nodes, inits = [], []
    previous = "input"
    for i, (n_in, n_out) in enumerate(zip(SIZES, SIZES[1:])):
        # He initialisation keeps activations in range through the ReLUs.
        w = (rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(np.float32)
        b = np.zeros(n_out, dtype=np.float32)
        inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
        nodes.append(helper.make_node("Gemm", [previous, f"w{i}", f"b{i}"], [f"h{i}"]))
        previous = f"h{i}"
        if i < len(SIZES) - 2:
            nodes.append(helper.make_node("Relu", [previous], [f"r{i}"]))
            previous = f"r{i}"
    nodes.append(helper.make_node("Softmax", [previous], ["probabilities"], axis=1))
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", SIZES[0]])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", SIZES[-1]])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="modelship-bench")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, out)
    weights = sum(a * b + b for a, b in zip(SIZES, SIZES[1:]))
    print(f"wrote {out}: {weights:,} weights")


if __name__ == "__main__":
    main(sys.argv[1])
