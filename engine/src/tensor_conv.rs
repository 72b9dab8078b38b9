//! Conversion between Inferchain tensors and tract tensors.

use crate::validate::dtype_of;
use inferchain_primitives::tensor::{DType, Tensor};
use tract_onnx::prelude::{DatumType, Tensor as TractTensor};

fn le<const N: usize>(chunk: &[u8]) -> [u8; N] {
    let mut b = [0u8; N];
    b.copy_from_slice(chunk);
    b
}

/// Builds a tract tensor from a valid Inferchain tensor (safe code: decodes element by element).
pub fn to_tract(t: &Tensor) -> anyhow::Result<TractTensor> {
    let shape: Vec<usize> = t.shape.iter().map(|d| *d as usize).collect();
    let d = &t.data;
    Ok(match t.dtype {
        DType::F32 => {
            let v: Vec<f32> = d
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(le(c)))
                .collect();
            TractTensor::from_shape(&shape, &v)?
        }
        DType::F64 => {
            let v: Vec<f64> = d
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(le(c)))
                .collect();
            TractTensor::from_shape(&shape, &v)?
        }
        DType::I64 => {
            let v: Vec<i64> = d
                .chunks_exact(8)
                .map(|c| i64::from_le_bytes(le(c)))
                .collect();
            TractTensor::from_shape(&shape, &v)?
        }
        DType::I32 => {
            let v: Vec<i32> = d
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes(le(c)))
                .collect();
            TractTensor::from_shape(&shape, &v)?
        }
        DType::I8 => {
            let v: Vec<i8> = d.iter().map(|b| *b as i8).collect();
            TractTensor::from_shape(&shape, &v)?
        }
        DType::U8 => TractTensor::from_shape(&shape, d)?,
        DType::Bool => {
            let v: Vec<bool> = d.iter().map(|b| *b != 0).collect();
            TractTensor::from_shape(&shape, &v)?
        }
    })
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
