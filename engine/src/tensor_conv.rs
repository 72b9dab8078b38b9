//! Conversion between Inferchain tensors and tract tensors.

use crate::validate::dtype_of;
use inferchain_primitives::tensor::{DType, Tensor};
use tract_onnx::prelude::{DatumType, Tensor as TractTensor};

/// Builds a tract tensor from an Inferchain tensor (one copy of the data).
///
/// Checks the tensor first ([`Tensor::validate`]: data length matches shape and dtype, booleans
/// are 0 or 1), which is what makes every byte pattern a valid element for tract.
pub fn to_tract(t: &Tensor) -> anyhow::Result<TractTensor> {
    t.validate()
        .map_err(|e| anyhow::anyhow!("invalid tensor: {e:?}"))?;
    let shape: Vec<usize> = t.shape.iter().map(|d| *d as usize).collect();
    // tract stores native-endian data; every supported platform is little-endian (see below).
    // SAFETY: `validate` checked that `data` holds exactly `product(shape)` elements of
    // `dtype`; every bit pattern is a valid f32/f64/i64/i32/i8/u8, and booleans are 0 or 1.
    Ok(unsafe { TractTensor::from_raw_dt(datum_type(t.dtype), &shape, &t.data)? })
}

/// Builds an Inferchain tensor from a tract tensor (quantized types map to their storage type).
pub fn from_tract(t: &TractTensor) -> anyhow::Result<Tensor> {
    let dtype = dtype_of(t.datum_type())
        .ok_or_else(|| anyhow::anyhow!("unsupported output dtype {:?}", t.datum_type()))?;
    let view = t.try_as_plain_ram()?;
    let bytes = view.as_bytes();
    // tract stores native-endian data; every supported platform is little-endian.
    #[cfg(not(target_endian = "little"))]
    compile_error!("inferchain-engine assumes a little-endian host");
    let data = if dtype == DType::Bool {
        bytes.iter().map(|b| (*b != 0) as u8).collect()
    } else {
        bytes.to_vec()
    };
    let shape = t.shape().iter().map(|d| *d as u64).collect();
    Tensor::new(dtype, shape, data).map_err(|e| anyhow::anyhow!("output tensor invalid: {e:?}"))
}

/// The tract datum type of an Inferchain dtype.
pub fn datum_type(dtype: DType) -> DatumType {
    match dtype {
        DType::F32 => DatumType::F32,
        DType::F64 => DatumType::F64,
        DType::I64 => DatumType::I64,
        DType::I32 => DatumType::I32,
        DType::I8 => DatumType::I8,
        DType::U8 => DatumType::U8,
        DType::Bool => DatumType::Bool,
    }
}
