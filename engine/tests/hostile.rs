//! Hostile inputs: every case gives a clear error or a defined result, never a crash, hang or
//! unbounded allocation.

mod common;

use common::{inputs, model, models_dir};
use inferchain_engine::{validate, Engine, RunError, ValidationError};
use inferchain_primitives::model::{model_id, SchemaError};
use inferchain_primitives::policy::ExecutionPolicy;
use inferchain_primitives::tensor::{DType, NamedTensor, Tensor, TensorMap};
use prost::Message;
use tract_onnx::pb;

fn hostile(name: &str) -> Vec<u8> {
    std::fs::read(models_dir().join("hostile").join(format!("{name}.onnx"))).unwrap()
}

fn rejected(name: &str) -> ValidationError {
    match validate(&hostile(name)) {
        Ok(info) => panic!("{name} was accepted: {info:?}"),
        Err(e) => {
            println!("{name}: {e}");
            e
        }
    }
}

#[test]
fn garbage_and_truncated_protobuf() {
    assert!(matches!(rejected("garbage"), ValidationError::NotOnnx(_)));
    let e = rejected("truncated");
    assert!(
        matches!(e, ValidationError::NotOnnx(_) | ValidationError::Tract(_)),
        "{e}"
    );
    assert!(matches!(validate(&[]), Err(ValidationError::NoGraph)));
    let too_big = vec![0u8; inferchain_primitives::limits::MAX_MODEL_BYTES as usize + 1];
    assert!(matches!(
        validate(&too_big),
        Err(ValidationError::TooLarge(_))
    ));
}

#[test]
fn huge_constant_of_shape_and_expand() {
    assert!(matches!(
        rejected("huge_constant_of_shape"),
        ValidationError::TensorTooLarge { .. }
    ));
    assert!(matches!(
        rejected("huge_expand"),
        ValidationError::TensorTooLarge { .. }
    ));
    let e = rejected("computed_expand");
    assert!(
        matches!(
            e,
            ValidationError::TensorTooLarge { .. } | ValidationError::Tract(_)
        ),
        "{e}"
    );
}

#[test]
fn out_of_range_gather_is_an_error() {
    let e = rejected("gather_out_of_range");
    assert!(
        matches!(e, ValidationError::Tract(_) | ValidationError::Panicked(_)),
        "{e}"
    );
}

#[test]
fn cost_shape_op_and_data_limits() {
    assert!(matches!(
        rejected("huge_cost"),
        ValidationError::CostTooHigh(_)
    ));
    assert!(matches!(
        rejected("dynamic_shape"),
        ValidationError::DynamicShape(..)
    ));
    match rejected("unsupported_op") {
        ValidationError::UnsupportedOp { op, .. } => assert_eq!(op, "FrobnicateTensor"),
        e => panic!("{e}"),
    }
    match rejected("random_op") {
        ValidationError::UnsupportedOp { op, reason } => {
            assert_eq!(op, "RandomNormalLike");
            assert!(reason.contains("non-deterministic"));
        }
        e => panic!("{e}"),
    }
    assert!(matches!(rejected("external_data"), ValidationError::ExternalData(n) if n == "w"));
    assert!(matches!(rejected("nested_if"), ValidationError::TooDeep));
}

/// A 100k-node chain of `Neg` (built here: it would be a large file): refused on the raw
/// graph, before tract parses it.
#[test]
fn hundred_thousand_nodes_refused_early() {
    let n = 100_000;
    let value = |name: &str| pb::ValueInfoProto {
        name: name.into(),
        ..Default::default()
    };
    let node = |i: usize| pb::NodeProto {
        op_type: "Neg".into(),
        input: vec![if i == 0 { "x".into() } else { format!("v{i}") }],
        output: vec![if i == n - 1 {
            "y".into()
        } else {
            format!("v{}", i + 1)
        }],
        ..Default::default()
    };
    let graph = pb::GraphProto {
        node: (0..n).map(node).collect(),
        input: vec![value("x")],
        output: vec![value("y")],
        ..Default::default()
    };
    let proto = pb::ModelProto {
        ir_version: 8,
        opset_import: vec![pb::OperatorSetIdProto {
            domain: String::new(),
            version: 13,
        }],
        graph: Some(graph),
        ..Default::default()
    };
    let bytes = proto.encode_to_vec();
    let t = std::time::Instant::now();
    assert!(matches!(
        validate(&bytes),
        Err(ValidationError::TooManyNodes)
    ));
    println!("100k-node graph refused in {:?}", t.elapsed());
}

#[test]
fn wrong_input_shapes_and_dtypes_name_the_input() {
    let mut engine = Engine::default();
    let bytes = std::fs::read(model("mlp").0).unwrap();
    let (id, _) = engine.load(&bytes).unwrap();
    let policy = ExecutionPolicy::Tolerance { abs: 0, rel: 0 };
    let one = |t: Tensor| {
        TensorMap::new(vec![NamedTensor {
            name: b"x".to_vec(),
            tensor: t,
        }])
        .unwrap()
    };
    let e = engine.run(
        &id,
        &one(Tensor::from_f32(vec![1, 3], &[0.0; 3]).unwrap()),
        policy,
    );
    match e {
        Err(RunError::Schema(SchemaError::Shape { ref name, .. })) => assert_eq!(name, b"x"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.unwrap_err().to_string(),
        "input \"x\": shape [1, 3] but the model expects [1, 64]"
    );
    let e = engine.run(
        &id,
        &one(Tensor::from_i64(vec![1, 64], &[0; 64]).unwrap()),
        policy,
    );
    assert_eq!(
        e.unwrap_err().to_string(),
        "input \"x\": dtype i64 but the model expects f32"
    );
    let e = engine.run(&id, &TensorMap::default(), policy);
    assert_eq!(e.unwrap_err().to_string(), "missing input \"x\"");
    let mut extra = inputs("mlp");
    extra.0.push(NamedTensor {
        name: b"z".to_vec(),
        tensor: Tensor::from_f32(vec![], &[1.0]).unwrap(),
    });
    let e = engine.run(&id, &extra, policy);
    assert!(e
        .unwrap_err()
        .to_string()
        .contains("unexpected input \"z\""));
    // Invalid map (data length does not match shape).
    let bad = TensorMap(vec![NamedTensor {
        name: b"x".to_vec(),
        tensor: Tensor {
            dtype: DType::F32,
            shape: vec![1, 64],
            data: vec![0; 3],
        },
    }]);
    assert!(matches!(
        engine.run(&id, &bad, policy),
        Err(RunError::BadInputs(_))
    ));
    // Unknown model.
    assert!(matches!(
        engine.run(&model_id(b"nothing"), &inputs("mlp"), policy),
        Err(RunError::NotLoaded(_))
    ));
}

#[test]
fn nan_and_inf_inputs_give_defined_results() {
    let mut engine = Engine::default();
    let bytes = std::fs::read(model("mlp").0).unwrap();
    let mut values = vec![0.5f32; 64];
    values[0] = f32::NAN;
    values[1] = f32::INFINITY;
    values[2] = f32::NEG_INFINITY;
    let x = TensorMap::new(vec![NamedTensor {
        name: b"x".to_vec(),
        tensor: Tensor::from_f32(vec![1, 64], &values).unwrap(),
    }])
    .unwrap();
    let policy = ExecutionPolicy::Tolerance { abs: 0, rel: 0 };
    let a = engine.run_bytes(&bytes, &x, policy).unwrap();
    let b = engine.run_bytes(&bytes, &x, policy).unwrap();
    assert_eq!(
        a.canonical_bytes(),
        b.canonical_bytes(),
        "same inputs, same bits"
    );
    let y = a.get(b"y").unwrap();
    assert_eq!(y.shape, vec![1, 10]);
    println!(
        "mlp outputs on NaN/±Inf inputs: {:?}",
        inferchain_engine::tensor_io::tensor_to_json(y).unwrap()
    );
    // The comparison rule accepts a run against itself whatever non-finite values it holds.
    assert_eq!(
        inferchain_primitives::policy::compare(&policy, &a, &b),
        Ok(())
    );
    // Every good model runs on all-NaN and all-Inf float inputs.
    for name in ["cnn", "activations"] {
        let bytes = std::fs::read(model(name).0).unwrap();
        for v in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let mut x = inputs(name);
            for c in x.0[0].tensor.data.chunks_exact_mut(4) {
                c.copy_from_slice(&v.to_le_bytes());
            }
            let out = engine.run_bytes(&bytes, &x, policy).unwrap();
            let again = engine.run_bytes(&bytes, &x, policy).unwrap();
            assert_eq!(
                out.canonical_bytes(),
                again.canonical_bytes(),
                "{name} on {v}"
            );
        }
    }
}

#[test]
fn hostile_models_through_the_cli_exit_cleanly() {
    let dir = models_dir().join("hostile");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_inferchain-engine"))
            .arg("inspect")
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}: {out:?}", path.display());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("model rejected"),
            "{}: {stderr}",
            path.display()
        );
    }
}

/// A float input or output `name` of shape `[4]`.
fn float4(name: &str) -> pb::ValueInfoProto {
    use pb::tensor_shape_proto::{dimension, Dimension};
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: 1,
                shape: Some(pb::TensorShapeProto {
                    dim: vec![Dimension {
                        value: Some(dimension::Value::DimValue(4)),
                        ..Default::default()
                    }],
                }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A model of one `op` node reading `x` (float `[4]`) and the `initializers` (named `c0`,
/// `c1`, ... in operand order after `x`), writing `y`.
fn one_node(op: &str, initializers: Vec<pb::TensorProto>) -> Vec<u8> {
    model_of(op, true, initializers)
}

/// [`one_node`], with `x` as the node's first operand or not.
fn model_of(op: &str, reads_x: bool, initializers: Vec<pb::TensorProto>) -> Vec<u8> {
    let initializers: Vec<pb::TensorProto> = initializers
        .into_iter()
        .enumerate()
        .map(|(i, t)| pb::TensorProto {
            name: format!("c{i}"),
            ..t
        })
        .collect();
    let mut input = if reads_x {
        vec!["x".to_string()]
    } else {
        vec![]
    };
    input.extend(initializers.iter().map(|t| t.name.clone()));
    let graph = pb::GraphProto {
        node: vec![pb::NodeProto {
            name: "n".into(),
            op_type: op.into(),
            input,
            output: vec!["y".into()],
            ..Default::default()
        }],
        initializer: initializers,
        input: vec![float4("x")],
        output: vec![float4("y")],
        ..Default::default()
    };
    pb::ModelProto {
        ir_version: 8,
        opset_import: vec![pb::OperatorSetIdProto {
            domain: String::new(),
            version: 13,
        }],
        graph: Some(graph),
        ..Default::default()
    }
    .encode_to_vec()
}

fn int64s(values: &[i64], raw: bool) -> pb::TensorProto {
    pb::TensorProto {
        dims: vec![values.len() as i64],
        data_type: 7,
        int64_data: if raw { vec![] } else { values.to_vec() },
        raw_data: if raw {
            values.iter().flat_map(|v| v.to_le_bytes()).collect()
        } else {
            vec![]
        },
        ..Default::default()
    }
}

fn scalar(data_type: i32, raw_data: Vec<u8>) -> pb::TensorProto {
    pb::TensorProto {
        data_type,
        raw_data,
        ..Default::default()
    }
}

/// Shape operands are read through tract-onnx's own `TensorProto` conversion, in every
/// encoding ONNX allows (raw little-endian bytes or typed fields, int64 or int32), and the
/// oversized ones are refused on the raw graph, naming the limit.
#[test]
fn constant_shape_operands_in_every_encoding() {
    let huge = [1 << 20, 1 << 20];
    let too_large = |bytes: &[u8]| match validate(bytes) {
        Err(e @ ValidationError::TensorTooLarge { .. }) => {
            assert!(
                e.to_string().contains("above the limit of 268435456"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    };
    for raw in [true, false] {
        too_large(&one_node("Expand", vec![int64s(&huge, raw)]));
        too_large(&one_node("Tile", vec![int64s(&[4, 1 << 30], raw)]));
        too_large(&one_node("Pad", vec![int64s(&[1 << 26, 1 << 26], raw)]));
    }
    let int32 = pb::TensorProto {
        dims: vec![2],
        data_type: 6,
        int32_data: vec![1 << 20, 1 << 20],
        ..Default::default()
    };
    too_large(&one_node("Expand", vec![int32.clone()]));
    let int32_raw = pb::TensorProto {
        int32_data: vec![],
        raw_data: [1i32 << 20, 1 << 20]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect(),
        ..int32
    };
    too_large(&one_node("Expand", vec![int32_raw]));
    // Range bounds as float and double scalars.
    let f = |v: f32| scalar(1, v.to_le_bytes().to_vec());
    too_large(&model_of("Range", false, vec![f(0.0), f(1e12), f(1.0)]));
    let d = |v: f64| pb::TensorProto {
        data_type: 11,
        double_data: vec![v],
        ..Default::default()
    };
    too_large(&model_of("Range", false, vec![d(0.0), d(1e12), d(1.0)]));
    too_large(&model_of("Range", false, vec![d(0.0), d(1.0), d(0.0)]));
    // A small Expand passes the raw-graph checks and validates.
    let info = validate(&one_node("Expand", vec![int64s(&[4], true)])).unwrap();
    assert_eq!(info.outputs[0].shape.to_vec(), vec![4]);
    // A shape operand longer than the limit is refused before it is converted.
    match validate(&one_node("Expand", vec![int64s(&[1; 2000], false)])) {
        Err(e @ ValidationError::ConstOperandTooLarge { elements: 2000, .. }) => {
            assert!(e.to_string().contains("above the limit of 1024"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    // Dims that claim more elements than any payload: refused on the declaration alone.
    let lying = pb::TensorProto {
        dims: vec![1 << 40],
        ..int64s(&[4], true)
    };
    assert!(matches!(
        validate(&one_node("Expand", vec![lying])),
        Err(ValidationError::ConstOperandTooLarge { .. })
    ));
    // A payload that disagrees with its dims is not read by the check; tract then refuses the
    // model when it loads the tensor.
    let short = pb::TensorProto {
        dims: vec![2],
        ..int64s(&[1 << 40], true)
    };
    let e = validate(&one_node("Expand", vec![short])).unwrap_err();
    assert!(matches!(e, ValidationError::Tract(_)), "{e}");
}

/// `Dropout` with a constant `training_mode` (a bool, raw or in `int32_data`) read through
/// tract-onnx's conversion: true with a non-zero ratio is refused, false validates.
#[test]
fn dropout_training_mode_constant() {
    let ratio = scalar(1, 0.5f32.to_le_bytes().to_vec());
    for (training, typed) in [(true, false), (true, true), (false, false), (false, true)] {
        let mode = if typed {
            pb::TensorProto {
                data_type: 9,
                int32_data: vec![training as i32],
                ..Default::default()
            }
        } else {
            scalar(9, vec![training as u8])
        };
        let r = validate(&one_node("Dropout", vec![ratio.clone(), mode]));
        if training {
            match r {
                Err(ValidationError::UnsupportedOp { op, reason }) => {
                    assert_eq!(op, "Dropout");
                    assert!(reason.contains("training mode"), "{reason}");
                }
                other => panic!("{other:?}"),
            }
        } else {
            assert!(r.is_ok(), "{r:?}");
        }
    }
    // Ratio 0 in training mode is deterministic.
    let zero = scalar(1, 0f32.to_le_bytes().to_vec());
    assert!(validate(&one_node("Dropout", vec![zero, scalar(9, vec![1])])).is_ok());
}
