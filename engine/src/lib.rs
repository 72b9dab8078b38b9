//! ONNX validation and deterministic execution on tract.
