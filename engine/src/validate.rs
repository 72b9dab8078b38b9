//! Model validation: from untrusted bytes to a [`ModelInfo`] and a compiled plan.
//!
//! Checks run cheapest first and, crucially, size, shape, graph and cost bounds are checked
//! *before* tract optimises (or even analyses) anything that could allocate or loop without
//! bound:
//!
//! 1. size ≤ `MAX_MODEL_BYTES`; protobuf decoding;
//! 2. on the raw ONNX graph (subgraphs included): node count and nesting depth, external data,
//!    operators tract does not implement or that are not acceptable for verifiable inference
//!    (random, unbounded loops), constant shape operands of `ConstantOfShape`, `Expand`,
//!    `Tile`, `Range` and `Pad` that would materialise oversized tensors (operands are read
//!    through tract-onnx's own `TensorProto` conversion, and only once their declared size is
//!    at most [`MAX_CONST_OPERAND_ELEMENTS`]);
//! 3. tract parsing and typing (panics contained): every input shape concrete, every dtype one
//!    of [`DType`], every intermediate tensor ≤ `MAX_ACTIVATION_BYTES`, cost ≤ `MAX_COST`;
//! 4. tract optimisation and plan construction (panics contained).

use crate::panic::contain;
use inferchain_primitives::limits::{
    MAX_ACTIVATION_BYTES, MAX_COST, MAX_GRAPH_NODES, MAX_MODEL_BYTES, MAX_NAME_LEN, MAX_OPS,
    MAX_OP_NAME_LEN, MAX_PARAMETERS, MAX_RANK, MAX_TENSORS,
};
use inferchain_primitives::model::{ModelInfo, TensorSpec};
use inferchain_primitives::tensor::DType;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use tract_onnx::pb;
use tract_onnx::prelude::*;

/// A plan ready to run.
pub type Plan = Arc<TypedSimplePlan>;

/// Deepest accepted nesting of subgraphs (`If` branches inside `If` branches ...).
pub const MAX_SUBGRAPH_DEPTH: usize = 8;

/// Operators refused even though tract implements them, with the reason.
pub const REFUSED_OPS: &[(&str, &str)] = &[
    (
        "Loop",
        "data-dependent trip count: run time is not bounded by the cost model",
    ),
    ("Scan", "run time is not bounded by the cost model"),
    ("RandomNormal", "non-deterministic"),
    ("RandomNormalLike", "non-deterministic"),
    ("RandomUniform", "non-deterministic"),
    ("RandomUniformLike", "non-deterministic"),
    ("Multinomial", "non-deterministic"),
    ("Bernoulli", "non-deterministic"),
];

/// Why a model was rejected. Every variant names its cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The model is larger than `MAX_MODEL_BYTES`.
    #[error("model is {0} bytes, above the limit of {MAX_MODEL_BYTES}")]
    TooLarge(usize),
    /// The bytes are not an ONNX protobuf.
    #[error("not an ONNX model: {0}")]
    NotOnnx(String),
    /// The model proto has no graph.
    #[error("ONNX model has no graph")]
    NoGraph,
    /// A tensor's data lives outside the model file.
    #[error("tensor {0:?} uses external data, which is not accepted")]
    ExternalData(String),
    /// An operator tract does not implement, or that is refused.
    #[error("unsupported operator {op}: {reason}")]
    UnsupportedOp {
        /// ONNX op type (with domain if not the default one).
        op: String,
        /// Why.
        reason: String,
    },
    /// Too many nodes (all subgraphs included).
    #[error("graph has more than {MAX_GRAPH_NODES} nodes")]
    TooManyNodes,
    /// Subgraphs nested too deep.
    #[error("subgraphs nested deeper than {MAX_SUBGRAPH_DEPTH}")]
    TooDeep,
    /// Too many inputs or outputs.
    #[error("model has {0} inputs or outputs, above the limit of {MAX_TENSORS}")]
    TooManyTensors(usize),
    /// Too many distinct operators.
    #[error("model uses {0} distinct operators, above the limit of {MAX_OPS}")]
    TooManyOps(usize),
    /// An input or output name is empty or too long.
    #[error("tensor name {0:?} is empty or longer than {MAX_NAME_LEN} bytes")]
    BadName(String),
    /// Too many parameters.
    #[error("model has {0} parameters, above the limit of {MAX_PARAMETERS}")]
    TooManyParameters(u64),
    /// An input or output shape is not fully concrete.
    #[error("{0:?} has a dynamic shape ({1}); pin every dimension in the model")]
    DynamicShape(String, String),
    /// An input or output has a rank above `MAX_RANK`.
    #[error("{0:?} has rank {1}, above the limit of {MAX_RANK}")]
    RankTooHigh(String, usize),
    /// An input or output has a dtype Inferchain tensors cannot carry.
    #[error("{0:?} has unsupported dtype {1}")]
    UnsupportedDType(String, String),
    /// A tensor (constant or intermediate) would exceed `MAX_ACTIVATION_BYTES`.
    #[error("node {node:?} ({op}) would produce {bytes} bytes, above the limit of {MAX_ACTIVATION_BYTES}")]
    TensorTooLarge {
        /// Node name.
        node: String,
        /// Operator.
        op: String,
        /// Estimated bytes (saturating).
        bytes: u64,
    },
    /// A constant operand of a checked operator (a shape, pads, a `Range` bound, a `Dropout`
    /// flag) has more than [`MAX_CONST_OPERAND_ELEMENTS`] elements.
    #[error("node {node:?} ({op}) has a constant operand of {elements} elements, above the limit of {MAX_CONST_OPERAND_ELEMENTS}")]
    ConstOperandTooLarge {
        /// Node name.
        node: String,
        /// Operator.
        op: String,
        /// Declared elements (saturating).
        elements: u64,
    },
    /// Estimated cost above `MAX_COST`.
    #[error("estimated cost {0} per inference is above the limit of {MAX_COST}")]
    CostTooHigh(u64),
    /// tract could not load, type or optimise the model.
    #[error("tract rejected the model: {0}")]
    Tract(String),
    /// The model was rejected by an isolated validation process (its message).
    #[error("{0}")]
    Isolated(String),
    /// The isolated validation process failed (time or memory limit, or could not run).
    #[error("isolated validation failed: {0}")]
    Sandbox(String),
    /// tract panicked on the model (contained).
    #[error("tract panicked on the model: {0}")]
    Panicked(String),
}

/// A validated model: its info and its optimised plan.
#[derive(Clone)]
pub struct Compiled {
    /// What validation learned.
    pub info: ModelInfo,
    /// The optimised runnable plan.
    pub plan: Plan,
    /// Model size in bytes (used to bound the plan cache).
    pub model_bytes: usize,
}

/// Validates model bytes and returns their [`ModelInfo`].
pub fn validate(bytes: &[u8]) -> Result<ModelInfo, ValidationError> {
    compile(bytes).map(|c| c.info)
}

/// Validates model bytes and compiles the optimised plan.
///
/// Configures the process kernels first ([`crate::exactness::current`], a no-op once done):
/// tract picks its kernels the first time it needs them, and a validation that ran before
/// the configuration would leave the process on native kernels (on an AVX-512 CPU, every
/// later Exact run would then be refused).
pub fn compile(bytes: &[u8]) -> Result<Compiled, ValidationError> {
    crate::exactness::current();
    let proto = decode(bytes)?;
    let graph = proto.graph.as_ref().ok_or(ValidationError::NoGraph)?;
    let facts = check_proto(graph)?;
    let onnx = tract_onnx::onnx();
    let model = contain(|| onnx.model_for_proto_model(&proto))
        .map_err(ValidationError::Panicked)?
        .map_err(|e| ValidationError::Tract(format!("{e:#}")))?;
    let typed = contain(|| model.into_typed())
        .map_err(ValidationError::Panicked)?
        .map_err(|e| ValidationError::Tract(format!("{e:#}")))?;
    let cost = check_typed(&typed)?;
    let input_names = graph_input_names(graph);
    let output_names: Vec<String> = graph.output.iter().map(|o| o.name.clone()).collect();
    let inputs = specs(
        &typed,
        typed.input_outlets().map_err(tract_err)?,
        &input_names,
    )?;
    let plan = contain(|| typed.into_optimized().and_then(|m| m.into_runnable()))
        .map_err(ValidationError::Panicked)?
        .map_err(|e| ValidationError::Tract(format!("{e:#}")))?;
    let optimized = plan.model();
    let outputs = specs(
        optimized,
        optimized.output_outlets().map_err(tract_err)?,
        &output_names,
    )?;
    let ops = facts
        .ops
        .iter()
        .map(|op| op.as_bytes().to_vec().try_into())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ValidationError::TooManyOps(facts.ops.len()))?;
    let info = ModelInfo {
        inputs: inputs
            .try_into()
            .map_err(|_| ValidationError::TooManyTensors(input_names.len()))?,
        outputs: outputs
            .try_into()
            .map_err(|_| ValidationError::TooManyTensors(output_names.len()))?,
        ops: ops
            .try_into()
            .map_err(|_| ValidationError::TooManyOps(facts.ops.len()))?,
        parameters: facts.parameters,
        cost,
    };
    Ok(Compiled {
        info,
        plan,
        model_bytes: bytes.len(),
    })
}

fn tract_err(e: TractError) -> ValidationError {
    ValidationError::Tract(format!("{e:#}"))
}

/// Size check and protobuf decoding.
pub fn decode(bytes: &[u8]) -> Result<pb::ModelProto, ValidationError> {
    if bytes.len() > MAX_MODEL_BYTES as usize {
        return Err(ValidationError::TooLarge(bytes.len()));
    }
    let onnx = tract_onnx::onnx();
    contain(|| onnx.proto_model_for_read(&mut &bytes[..]))
        .map_err(ValidationError::Panicked)?
        .map_err(|e| ValidationError::NotOnnx(format!("{e:#}")))
}

/// What the raw-graph pass learned.
struct ProtoFacts {
    ops: BTreeSet<String>,
    parameters: u64,
}

/// Names of graph inputs that are not initializers, in declaration order.
fn graph_input_names(graph: &pb::GraphProto) -> Vec<String> {
    let inits: BTreeSet<&str> = graph.initializer.iter().map(|t| t.name.as_str()).collect();
    graph
        .input
        .iter()
        .filter(|i| !inits.contains(i.name.as_str()))
        .map(|i| i.name.clone())
        .collect()
}

fn check_proto(graph: &pb::GraphProto) -> Result<ProtoFacts, ValidationError> {
    let inputs = graph_input_names(graph).len();
    if inputs > MAX_TENSORS as usize || graph.output.len() > MAX_TENSORS as usize {
        return Err(ValidationError::TooManyTensors(
            inputs.max(graph.output.len()),
        ));
    }
    for name in graph_input_names(graph)
        .iter()
        .chain(graph.output.iter().map(|o| &o.name))
    {
        if name.is_empty() || name.len() > MAX_NAME_LEN as usize {
            return Err(ValidationError::BadName(name.clone()));
        }
    }
    let supported: HashSet<String> = tract_onnx::onnx().op_register.0.into_keys().collect();
    let mut facts = ProtoFacts {
        ops: BTreeSet::new(),
        parameters: 0,
    };
    let mut nodes = 0usize;
    walk(graph, 0, &supported, &mut facts, &mut nodes)?;
    if facts.ops.len() > MAX_OPS as usize {
        return Err(ValidationError::TooManyOps(facts.ops.len()));
    }
    if facts.parameters > MAX_PARAMETERS {
        return Err(ValidationError::TooManyParameters(facts.parameters));
    }
    Ok(facts)
}

fn check_tensor(t: &pb::TensorProto, facts: &mut ProtoFacts) -> Result<(), ValidationError> {
    if t.data_location == Some(1) || !t.external_data.is_empty() {
        return Err(ValidationError::ExternalData(t.name.clone()));
    }
    let n = t.dims.iter().try_fold(1u64, |acc, d| {
        u64::try_from(*d).ok().and_then(|d| acc.checked_mul(d))
    });
    let n = n.unwrap_or(u64::MAX);
    facts.parameters = facts.parameters.saturating_add(n);
    Ok(())
}

fn walk(
    graph: &pb::GraphProto,
    depth: usize,
    supported: &HashSet<String>,
    facts: &mut ProtoFacts,
    nodes: &mut usize,
) -> Result<(), ValidationError> {
    if depth > MAX_SUBGRAPH_DEPTH {
        return Err(ValidationError::TooDeep);
    }
    for t in &graph.initializer {
        check_tensor(t, facts)?;
    }
    if !graph.sparse_initializer.is_empty() {
        return Err(ValidationError::UnsupportedOp {
            op: "sparse_initializer".into(),
            reason: "sparse initializers are not supported".into(),
        });
    }
    let mut consts: HashMap<&str, &pb::TensorProto> = graph
        .initializer
        .iter()
        .map(|t| (t.name.as_str(), t))
        .collect();
    for node in &graph.node {
        *nodes += 1;
        if *nodes > MAX_GRAPH_NODES as usize {
            return Err(ValidationError::TooManyNodes);
        }
        let op = if node.domain.is_empty() || node.domain == "ai.onnx" {
            node.op_type.clone()
        } else {
            format!("{}.{}", node.domain, node.op_type)
        };
        if op.len() > MAX_OP_NAME_LEN as usize {
            return Err(ValidationError::UnsupportedOp {
                op,
                reason: "name too long".into(),
            });
        }
        if let Some((_, reason)) = REFUSED_OPS.iter().find(|(o, _)| *o == op) {
            return Err(ValidationError::UnsupportedOp {
                op,
                reason: reason.to_string(),
            });
        }
        if !supported.contains(&node.op_type) {
            return Err(ValidationError::UnsupportedOp {
                op,
                reason: "not implemented by tract-onnx 0.23.9".into(),
            });
        }
        for attr in &node.attribute {
            if let Some(t) = &attr.t {
                check_tensor(t, facts)?;
            }
            for t in &attr.tensors {
                check_tensor(t, facts)?;
            }
            if let Some(g) = &attr.g {
                walk(g, depth + 1, supported, facts, nodes)?;
            }
            for g in &attr.graphs {
                walk(g, depth + 1, supported, facts, nodes)?;
            }
        }
        if node.op_type == "Constant" {
            if let (Some(out), Some(t)) = (
                node.output.first(),
                node.attribute.iter().find_map(|a| a.t.as_ref()),
            ) {
                consts.insert(out.as_str(), t);
            }
        }
        check_shape_operands(node, &consts)?;
        check_dropout(node, &consts)?;
        facts.ops.insert(op);
    }
    Ok(())
}

/// Most elements of a constant operand the raw-graph checks read (a shape, pads, a scalar);
/// a larger constant operand of a checked operator is refused without being converted.
pub const MAX_CONST_OPERAND_ELEMENTS: u64 = 1024;

/// The constant operand `t` of `node`, converted by tract-onnx itself
/// ([`tract_onnx::tensor::load_tensor`]) once its declared element count and its payload are
/// known to be small: refused above [`MAX_CONST_OPERAND_ELEMENTS`], `None` if it is not a
/// number type the checks read or tract cannot convert it (tract then rejects the model when
/// it loads the same tensor, before typing anything).
fn const_operand(
    node: &pb::NodeProto,
    t: &pb::TensorProto,
) -> Result<Option<Tensor>, ValidationError> {
    if t.dims.iter().any(|d| *d < 0) {
        return Ok(None);
    }
    let elements = t
        .dims
        .iter()
        .try_fold(1u64, |acc, d| acc.checked_mul(*d as u64))
        .unwrap_or(u64::MAX);
    if elements > MAX_CONST_OPERAND_ELEMENTS {
        return Err(ValidationError::ConstOperandTooLarge {
            node: node.name.clone(),
            op: node.op_type.clone(),
            elements,
        });
    }
    // Bool, int32, int64, float, double: the types whose conversion tract implements for both
    // raw and typed payloads (others may reach an `unimplemented!`).
    let small = MAX_CONST_OPERAND_ELEMENTS as usize;
    if !matches!(t.data_type, 1 | 6 | 7 | 9 | 11)
        || t.data_location == Some(1)
        || t.raw_data.len() > small * 8
        || t.int64_data.len() > small
        || t.int32_data.len() > small
        || t.float_data.len() > small
        || t.double_data.len() > small
    {
        return Ok(None);
    }
    let no_files = tract_onnx::data_resolver::FopenDataResolver;
    Ok(
        contain(|| tract_onnx::tensor::load_tensor(&no_files, t, None))
            .ok()
            .and_then(Result::ok),
    )
}

/// Integer values of a constant tensor (int64 or int32).
fn const_ints(t: &Tensor) -> Option<Vec<i64>> {
    if !matches!(t.datum_type(), DatumType::I64 | DatumType::I32) {
        return None;
    }
    let t = t.cast_to::<i64>().ok()?;
    let values = t.try_as_plain_ram().ok()?.as_slice::<i64>().ok()?.to_vec();
    Some(values)
}

/// First value of a constant numeric tensor (int64, int32, float or double) as f64 (for
/// `Range`).
fn const_scalar(t: &Tensor) -> Option<f64> {
    if !matches!(
        t.datum_type(),
        DatumType::I64 | DatumType::I32 | DatumType::F32 | DatumType::F64
    ) {
        return None;
    }
    let t = t.cast_to::<f64>().ok()?;
    let first = t
        .try_as_plain_ram()
        .ok()?
        .as_slice::<f64>()
        .ok()?
        .first()
        .copied();
    first
}

/// First value of a constant tensor as a bool (Dropout's `training_mode`, a bool tensor in
/// valid models), cast as tract casts it.
fn const_first_bool(t: &Tensor) -> Option<bool> {
    let t = t.cast_to::<bool>().ok()?;
    let first = t
        .try_as_plain_ram()
        .ok()?
        .as_slice::<bool>()
        .ok()?
        .first()
        .copied();
    first
}

/// Refuses constant shape operands that would materialise more than `MAX_ACTIVATION_BYTES`
/// (tract evaluates constant subgraphs while typing, before any later check could run).
fn check_shape_operands(
    node: &pb::NodeProto,
    consts: &HashMap<&str, &pb::TensorProto>,
) -> Result<(), ValidationError> {
    let operand = |i: usize| match node.input.get(i).and_then(|n| consts.get(n.as_str())) {
        Some(t) => const_operand(node, t),
        None => Ok(None),
    };
    let too_large = |elements: f64| {
        let bytes = elements * 8.0;
        if bytes.is_nan() || bytes > MAX_ACTIVATION_BYTES as f64 {
            Err(ValidationError::TensorTooLarge {
                node: node.name.clone(),
                op: node.op_type.clone(),
                bytes: if bytes.is_finite() {
                    bytes as u64
                } else {
                    u64::MAX
                },
            })
        } else {
            Ok(())
        }
    };
    let product = |dims: &[i64]| -> f64 {
        if dims.iter().any(|d| *d < 0) {
            f64::INFINITY
        } else {
            dims.iter().map(|d| *d as f64).product()
        }
    };
    match node.op_type.as_str() {
        "ConstantOfShape" => {
            if let Some(dims) = operand(0)?.as_ref().and_then(const_ints) {
                too_large(product(&dims))?;
            }
        }
        "Expand" | "Tile" => {
            if let Some(dims) = operand(1)?.as_ref().and_then(const_ints) {
                too_large(product(&dims))?;
            }
        }
        "Range" => {
            let start = operand(0)?.as_ref().and_then(const_scalar);
            let limit = operand(1)?.as_ref().and_then(const_scalar);
            let delta = operand(2)?.as_ref().and_then(const_scalar);
            if let (Some(s), Some(l), Some(d)) = (start, limit, delta) {
                let n = ((l - s) / d).ceil();
                too_large(if n.is_nan() {
                    f64::INFINITY
                } else {
                    n.max(0.0)
                })?;
            }
        }
        "Pad" => {
            if let Some(pads) = operand(1)?.as_ref().and_then(const_ints) {
                too_large(pads.iter().map(|p| p.unsigned_abs() as f64).sum())?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Refuses `Dropout` that may run in training mode with a non-zero ratio (a random mask):
/// its `training_mode` operand must be absent or a constant false, or its ratio a constant 0.
fn check_dropout(
    node: &pb::NodeProto,
    consts: &HashMap<&str, &pb::TensorProto>,
) -> Result<(), ValidationError> {
    if node.op_type != "Dropout" {
        return Ok(());
    }
    // `None`: no operand; `Some(None)`: an operand whose value is not a readable constant.
    let operand = |i: usize| -> Result<Option<Option<Tensor>>, ValidationError> {
        match node.input.get(i).filter(|n| !n.is_empty()) {
            None => Ok(None),
            Some(n) => match consts.get(n.as_str()) {
                Some(t) => Ok(Some(const_operand(node, t)?)),
                None => Ok(Some(None)),
            },
        }
    };
    let training_off = match operand(2)? {
        None => true,
        Some(Some(t)) => const_first_bool(&t) == Some(false),
        Some(None) => false,
    };
    let ratio_zero = matches!(operand(1)?, Some(Some(t)) if const_scalar(&t) == Some(0.0));
    if training_off || ratio_zero {
        Ok(())
    } else {
        Err(ValidationError::UnsupportedOp {
            op: "Dropout".into(),
            reason: "training mode with a non-zero ratio is non-deterministic".into(),
        })
    }
}

/// Typed-graph checks: node count, every fact concrete and bounded, total cost bounded.
fn check_typed(model: &TypedModel) -> Result<u64, ValidationError> {
    if model.nodes().len() > MAX_GRAPH_NODES as usize {
        return Err(ValidationError::TooManyNodes);
    }
    let mut cost: u64 = 0;
    for node in model.nodes() {
        for (ix, out) in node.outputs.iter().enumerate() {
            let fact = &out.fact;
            let Some(shape) = fact.shape.as_concrete() else {
                let label = model
                    .outlet_label(OutletId::new(node.id, ix))
                    .unwrap_or(&node.name)
                    .to_string();
                return Err(ValidationError::DynamicShape(
                    label,
                    format!("{:?}", fact.shape),
                ));
            };
            let bytes = shape
                .iter()
                .try_fold(fact.datum_type.size_of() as u64, |acc, d| {
                    acc.checked_mul(*d as u64)
                })
                .unwrap_or(u64::MAX);
            if bytes > MAX_ACTIVATION_BYTES {
                return Err(ValidationError::TensorTooLarge {
                    node: node.name.clone(),
                    op: node.op.name().to_string(),
                    bytes,
                });
            }
        }
        let inputs: Vec<&TypedFact> = node
            .inputs
            .iter()
            .map(|o| model.outlet_fact(*o))
            .collect::<TractResult<_>>()
            .map_err(tract_err)?;
        let costs = contain(|| node.op.cost(&inputs))
            .map_err(ValidationError::Panicked)?
            .map_err(tract_err)?;
        for (kind, n) in costs {
            if kind.is_compute() {
                let n = n.to_i64().map_err(|_| {
                    ValidationError::DynamicShape(node.name.clone(), format!("cost {n}"))
                })?;
                cost = cost.saturating_add(n.max(0) as u64);
            }
        }
        if cost > MAX_COST {
            return Err(ValidationError::CostTooHigh(cost));
        }
    }
    Ok(cost)
}

/// Maps a tract datum type to an Inferchain dtype.
pub fn dtype_of(dt: DatumType) -> Option<DType> {
    Some(match dt.unquantized() {
        DatumType::F32 => DType::F32,
        DatumType::F64 => DType::F64,
        DatumType::I64 => DType::I64,
        DatumType::I32 => DType::I32,
        DatumType::I8 => DType::I8,
        DatumType::U8 => DType::U8,
        DatumType::Bool => DType::Bool,
        _ => return None,
    })
}

/// Specs of the given outlets, named by `names` (ONNX order) or tract's labels.
fn specs(
    model: &TypedModel,
    outlets: &[OutletId],
    names: &[String],
) -> Result<Vec<TensorSpec>, ValidationError> {
    if outlets.len() > MAX_TENSORS as usize {
        return Err(ValidationError::TooManyTensors(outlets.len()));
    }
    let mut out = Vec::with_capacity(outlets.len());
    for (ix, outlet) in outlets.iter().enumerate() {
        let name = names
            .get(ix)
            .cloned()
            .or_else(|| model.outlet_label(*outlet).map(|s| s.to_string()))
            .unwrap_or_else(|| model.node(outlet.node).name.clone());
        let fact = model.outlet_fact(*outlet).map_err(tract_err)?;
        let dtype = dtype_of(fact.datum_type).ok_or_else(|| {
            ValidationError::UnsupportedDType(name.clone(), format!("{:?}", fact.datum_type))
        })?;
        let shape = fact.shape.as_concrete().ok_or_else(|| {
            ValidationError::DynamicShape(name.clone(), format!("{:?}", fact.shape))
        })?;
        if shape.len() > MAX_RANK as usize {
            return Err(ValidationError::RankTooHigh(name, shape.len()));
        }
        let shape: Vec<u64> = shape.iter().map(|d| *d as u64).collect();
        out.push(TensorSpec {
            name: name
                .clone()
                .into_bytes()
                .try_into()
                .map_err(|_| ValidationError::BadName(name.clone()))?,
            dtype,
            shape: shape
                .try_into()
                .map_err(|_| ValidationError::BadName(name))?,
        });
    }
    Ok(out)
}
