#!/usr/bin/env python3
"""Generates the small ONNX models used by inferchain-engine tests, benchmarks and genesis.

Deterministic (fixed seeds); rerun and commit the results:
    python3 scripts/gen_models.py
Requires: onnx, numpy (see engine/tests/requirements.txt).

Writes
  models/sample/mlp.onnx, models/sample/input.json      tiny f32 MLP 1x4 -> 8 -> 3, input "x"
  engine/tests/models/*.onnx (+ *.input.json)           test models (good and hostile)
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "engine", "tests", "models")
SAMPLE = os.path.join(ROOT, "models", "sample")
OPSET = [helper.make_opsetid("", 13)]


def save(model, path, check=True):
    model.ir_version = 8
    if check:
        onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def save_input(path, tensors):
    out = {}
    for name, arr in tensors.items():
        dtype = {np.float32: "f32", np.float64: "f64", np.int64: "i64", np.uint8: "u8", np.int8: "i8"}[arr.dtype.type]
        # str(np.float32) is the shortest repr that round-trips to the same f32.
        data = [float(str(v)) for v in arr.flatten()] if arr.dtype == np.float32 else arr.flatten().tolist()
        out[name] = {"dtype": dtype, "shape": list(arr.shape), "data": data}
    with open(path, "w") as f:
        json.dump(out, f)
        f.write("\n")


def init(name, arr):
    return numpy_helper.from_array(arr, name)


def mlp(rng, sizes, name="mlp", activation="Relu"):
    nodes, inits = [], []
    prev = "x"
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        inits.append(init(f"w{i}", (rng.standard_normal((a, b)) / np.sqrt(a)).astype(np.float32)))
        inits.append(init(f"b{i}", (rng.standard_normal(b) * 0.1).astype(np.float32)))
        out = "y" if i == len(sizes) - 2 else f"h{i}"
        nodes.append(helper.make_node("Gemm", [prev, f"w{i}", f"b{i}"], [out if out == "y" else f"g{i}"]))
        if out != "y":
            nodes.append(helper.make_node(activation, [f"g{i}"], [out]))
        prev = out
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, sizes[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, sizes[-1]])],
        inits,
    )
    return helper.make_model(graph, opset_imports=OPSET, producer_name="inferchain-gen")


def cnn(rng):
    """1x1x16x16 -> Conv(8,3x3) -> Relu -> MaxPool -> Conv(8,3x3) -> Tanh -> Flatten -> Gemm(10) -> Sigmoid."""
    w1 = (rng.standard_normal((8, 1, 3, 3)) / 3).astype(np.float32)
    b1 = (rng.standard_normal(8) * 0.1).astype(np.float32)
    w2 = (rng.standard_normal((8, 8, 3, 3)) / 8).astype(np.float32)
    b2 = (rng.standard_normal(8) * 0.1).astype(np.float32)
    w3 = (rng.standard_normal((8 * 6 * 6, 10)) / 17).astype(np.float32)
    b3 = (rng.standard_normal(10) * 0.1).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"]),
        helper.make_node("Tanh", ["c2"], ["t2"]),
        helper.make_node("Flatten", ["t2"], ["f"]),
        helper.make_node("Gemm", ["f", "w3", "b3"], ["g"]),
        helper.make_node("Sigmoid", ["g"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 16, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
        [init(n, a) for n, a in [("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2), ("w3", w3), ("b3", b3)]],
    )
    return helper.make_model(graph, opset_imports=OPSET, producer_name="inferchain-gen")


def int8(rng):
    """u8 input 1x64 -> QLinearMatMul(64x32, u8 weights) -> u8 output; integer all the way."""
    w = rng.integers(0, 255, (64, 32), dtype=np.uint8)
    inits = [
        init("w", w),
        init("a_scale", np.array(0.05, np.float32)), init("a_zp", np.array(128, np.uint8)),
        init("w_scale", np.array(0.01, np.float32)), init("w_zp", np.array(127, np.uint8)),
        init("y_scale", np.array(0.2, np.float32)), init("y_zp", np.array(100, np.uint8)),
    ]
    nodes = [helper.make_node(
        "QLinearMatMul", ["x", "a_scale", "a_zp", "w", "w_scale", "w_zp", "y_scale", "y_zp"], ["y"])]
    graph = helper.make_graph(
        nodes, "int8",
        [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, 64])],
        [helper.make_tensor_value_info("y", TensorProto.UINT8, [1, 32])],
        inits,
    )
    return helper.make_model(graph, opset_imports=OPSET, producer_name="inferchain-gen")


def activations(rng):
    """f32 1x64 -> MatMul(64x64) -> Exp/Tanh/Sigmoid/Softmax/Erf mix: exercises SIMD activation kernels."""
    w = (rng.standard_normal((64, 64)) / 8).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["m"]),
        helper.make_node("Tanh", ["m"], ["t"]),
        helper.make_node("Sigmoid", ["m"], ["s"]),
        helper.make_node("Exp", ["t"], ["e"]),
        helper.make_node("Erf", ["s"], ["r"]),
        helper.make_node("Add", ["e", "r"], ["a"]),
        helper.make_node("Softmax", ["a"], ["y"], axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "activations",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64])],
        [init("w", w)],
    )
    return helper.make_model(graph, opset_imports=OPSET, producer_name="inferchain-gen")


def single_node(name, op, inputs, outputs, inits=(), **attrs):
    graph = helper.make_graph(
        [helper.make_node(op, [i[0] for i in inputs] + [t.name for t in inits], [o[0] for o in outputs], **attrs)],
        name,
        [helper.make_tensor_value_info(n, dt, s) for n, dt, s in inputs],
        [helper.make_tensor_value_info(n, dt, s) for n, dt, s in outputs],
        list(inits),
    )
    return helper.make_model(graph, opset_imports=OPSET, producer_name="inferchain-gen")


def hostile():
    F = TensorProto.FLOAT
    out = {}
    # ConstantOfShape producing 2^40 floats.
    g = helper.make_graph(
        [helper.make_node("ConstantOfShape", ["shape"], ["c"]),
         helper.make_node("Add", ["x", "c"], ["y"])],
        "huge_constant_of_shape",
        [helper.make_tensor_value_info("x", F, [1])],
        [helper.make_tensor_value_info("y", F, None)],
        [init("shape", np.array([1 << 20, 1 << 20], np.int64))],
    )
    out["huge_constant_of_shape"] = helper.make_model(g, opset_imports=OPSET)
    # Expand to 10^5 x 10^5.
    out["huge_expand"] = single_node(
        "huge_expand", "Expand", [("x", F, [1, 1])], [("y", F, None)],
        [init("shape", np.array([100000, 100000], np.int64))])
    # Expand whose shape is computed (Mul of constants): bypasses the raw-graph check,
    # must be caught by the typed-graph bound.
    g = helper.make_graph(
        [helper.make_node("Mul", ["s", "k"], ["shape"]),
         helper.make_node("Expand", ["x", "shape"], ["y"])],
        "computed_expand",
        [helper.make_tensor_value_info("x", F, [1, 1])],
        [helper.make_tensor_value_info("y", F, None)],
        [init("s", np.array([1, 1], np.int64)), init("k", np.array([30000, 30000], np.int64))],
    )
    out["computed_expand"] = helper.make_model(g, opset_imports=OPSET)
    # Gather with an out-of-range constant index.
    out["gather_out_of_range"] = single_node(
        "gather_out_of_range", "Gather", [("x", F, [4])], [("y", F, [1])],
        [init("idx", np.array([100], np.int64))])
    # MatMul chain of ~69 GFLOP: tiny file, huge cost.
    g = helper.make_graph(
        [helper.make_node("MatMul", ["x", "x"], ["a"]), helper.make_node("MatMul", ["a", "x"], ["y"])],
        "huge_cost",
        [helper.make_tensor_value_info("x", F, [4096, 4096])],
        [helper.make_tensor_value_info("y", F, [4096, 4096])],
        [],
    )
    out["huge_cost"] = helper.make_model(g, opset_imports=OPSET)
    # Dynamic batch dimension.
    out["dynamic_shape"] = single_node("dynamic_shape", "Relu", [("x", F, ["N", 4])], [("y", F, ["N", 4])])
    # Unknown operator.
    out["unsupported_op"] = single_node("unsupported_op", "FrobnicateTensor", [("x", F, [1])], [("y", F, [1])])
    # Random operator (non-deterministic).
    out["random_op"] = single_node("random_op", "RandomNormalLike", [("x", F, [4])], [("y", F, [4])])
    # External data.
    w = numpy_helper.from_array(np.zeros(4, np.float32), "w")
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    w.external_data.add(key="location", value="weights.bin")
    out["external_data"] = single_node("external_data", "Add", [("x", F, [4])], [("y", F, [4])], [w])
    # If nested 12 deep.
    def nested(depth):
        if depth == 0:
            return helper.make_graph([helper.make_node("Identity", ["x"], ["o0"])], "leaf", [],
                                     [helper.make_tensor_value_info("o0", F, [1])])
        sub = nested(depth - 1)
        leaf = helper.make_graph([helper.make_node("Identity", ["x"], [f"o{depth}e"])], "leaf", [],
                                 [helper.make_tensor_value_info(f"o{depth}e", F, [1])])
        return helper.make_graph(
            [helper.make_node("If", ["cond"], [f"o{depth}"], then_branch=sub, else_branch=leaf)],
            f"level{depth}", [], [helper.make_tensor_value_info(f"o{depth}", F, [1])])
    top = nested(12)
    g = helper.make_graph(list(top.node), "nested_if",
                          [helper.make_tensor_value_info("x", F, [1]),
                           helper.make_tensor_value_info("cond", TensorProto.BOOL, [])],
                          [helper.make_tensor_value_info("o12", F, [1])])
    out["nested_if"] = helper.make_model(g, opset_imports=OPSET)
    return out


def bombs():
    """Models that only an isolated validation can contain: a constant Expand whose shape is
    computed (Mul of constants), which tract folds while typing, materialising 3.6 GB."""
    F = TensorProto.FLOAT
    g = helper.make_graph(
        [helper.make_node("Mul", ["s", "k"], ["shape"]),
         helper.make_node("Expand", ["c", "shape"], ["e"]),
         helper.make_node("ReduceSum", ["e"], ["r"], keepdims=0),
         helper.make_node("Add", ["x", "r"], ["y"])],
        "const_computed_expand",
        [helper.make_tensor_value_info("x", F, [])],
        [helper.make_tensor_value_info("y", F, [])],
        [init("s", np.array([1, 1], np.int64)), init("k", np.array([30000, 30000], np.int64)),
         init("c", np.ones((1, 1), np.float32))],
    )
    return {"const_computed_expand": helper.make_model(g, opset_imports=OPSET)}


def main():
    rng = np.random.default_rng(20261127)
    # Genesis sample: 1x4 -> 8 -> 3.
    sample = mlp(rng, [4, 8, 3])
    save(sample, os.path.join(SAMPLE, "mlp.onnx"))
    save_input(os.path.join(SAMPLE, "input.json"), {"x": np.array([[0.1, 0.2, 0.3, 0.4]], np.float32)})

    good = {
        "mlp": (mlp(rng, [64, 128, 128, 10]), {"x": rng.standard_normal((1, 64)).astype(np.float32)}),
        "cnn": (cnn(rng), {"x": rng.standard_normal((1, 1, 16, 16)).astype(np.float32)}),
        "int8": (int8(rng), {"x": rng.integers(0, 255, (1, 64), dtype=np.uint8)}),
        "activations": (activations(rng), {"x": rng.standard_normal((1, 64)).astype(np.float32)}),
    }
    for name, (model, inputs) in good.items():
        save(model, os.path.join(TESTS, f"{name}.onnx"))
        save_input(os.path.join(TESTS, f"{name}.input.json"), inputs)
    for name, model in hostile().items():
        save(model, os.path.join(TESTS, "hostile", f"{name}.onnx"), check=False)
    for name, model in bombs().items():
        save(model, os.path.join(TESTS, "bombs", f"{name}.onnx"), check=False)
    with open(os.path.join(TESTS, "hostile", "garbage.onnx"), "wb") as f:
        f.write(bytes(rng.integers(0, 256, 4096, dtype=np.uint8)))
    data = good["cnn"][0].SerializeToString()
    with open(os.path.join(TESTS, "hostile", "truncated.onnx"), "wb") as f:
        f.write(data[: len(data) // 2])


if __name__ == "__main__":
    main()
