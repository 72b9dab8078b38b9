#!/usr/bin/env python3
"""Runs a model on onnxruntime (CPU, one thread) and writes the outputs as .npz.

usage: ort_reference.py MODEL.onnx INPUT.json OUTPUT.npz [--bench N]
With --bench N, also prints the median per-inference latency in microseconds of N warm runs.
"""
import json
import sys
import time

import numpy as np
import onnxruntime as ort

DTYPES = {"f32": np.float32, "f64": np.float64, "i64": np.int64, "i32": np.int32,
          "i8": np.int8, "u8": np.uint8, "bool": np.bool_}


def main():
    model, inp, out = sys.argv[1:4]
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    with open(inp) as f:
        spec = json.load(f)
    feeds = {k: np.array(v["data"], dtype=DTYPES[v["dtype"]]).reshape(v["shape"]) for k, v in spec.items()}
    names = [o.name for o in sess.get_outputs()]
    results = sess.run(names, feeds)
    np.savez(out, **dict(zip(names, results)))
    if len(sys.argv) > 5 and sys.argv[4] == "--bench":
        n = int(sys.argv[5])
        times = []
        for _ in range(n):
            t = time.perf_counter()
            sess.run(names, feeds)
            times.append((time.perf_counter() - t) * 1e6)
        times.sort()
        print(f"{times[len(times) // 2]:.2f}")


if __name__ == "__main__":
    main()
