//! Tensors, named tensor maps and their canonical encoding.
//!
//! A [`Tensor`] holds raw little-endian element data. A [`TensorMap`] is a list of
//! [`NamedTensor`]s sorted by name (bytewise) with unique names; its SCALE encoding is the
//! canonical encoding used for hashing and commitments ([`TensorMap::canonical_bytes`]).
//! [`TensorMap::decode_checked`] is the only way untrusted bytes should become a map: it enforces
//! every limit in [`crate::limits`] before allocating and never panics.

use crate::limits::{MAX_NAME_LEN, MAX_RANK, MAX_TENSORS, MAX_TENSOR_BYTES, MAX_TENSOR_MAP_BYTES};
use alloc::vec::Vec;
use codec::{Compact, Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Element type of a tensor. The SCALE index of each variant is fixed (consensus-relevant).
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Debug,
)]
pub enum DType {
    /// IEEE 754 binary32.
    #[codec(index = 0)]
    F32,
    /// IEEE 754 binary64.
    #[codec(index = 1)]
    F64,
    /// Signed 64-bit integer.
    #[codec(index = 2)]
    I64,
    /// Signed 32-bit integer.
    #[codec(index = 3)]
    I32,
    /// Signed 8-bit integer.
    #[codec(index = 4)]
    I8,
    /// Unsigned 8-bit integer.
    #[codec(index = 5)]
    U8,
    /// Boolean, one byte per element, `0` or `1` only.
    #[codec(index = 6)]
    Bool,
}

impl DType {
    /// Size of one element in bytes.
    pub const fn size_in_bytes(self) -> u64 {
        match self {
            DType::F32 | DType::I32 => 4,
            DType::F64 | DType::I64 => 8,
            DType::I8 | DType::U8 | DType::Bool => 1,
        }
    }

    /// Whether the dtype is a floating-point type.
    pub const fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }

    /// Short lower-case name as used in tensor files (`"f32"`, `"i64"`, `"bool"`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::F64 => "f64",
            DType::I64 => "i64",
            DType::I32 => "i32",
            DType::I8 => "i8",
            DType::U8 => "u8",
            DType::Bool => "bool",
        }
    }

    /// Parses a name produced by [`DType::name`].
    pub fn from_name(name: &str) -> Option<DType> {
        Some(match name {
            "f32" => DType::F32,
            "f64" => DType::F64,
            "i64" => DType::I64,
            "i32" => DType::I32,
            "i8" => DType::I8,
            "u8" => DType::U8,
            "bool" => DType::Bool,
            _ => return None,
        })
    }
}

/// Why a tensor or tensor map is invalid.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub enum TensorError {
    /// The bytes are not a SCALE encoding of a tensor map (truncated, bad length prefix,
    /// unknown dtype index, ...).
    Malformed,
    /// Bytes remain after the encoded tensor map.
    TrailingBytes,
    /// More than [`MAX_TENSORS`] tensors.
    TooManyTensors,
    /// Tensor name longer than [`MAX_NAME_LEN`].
    NameTooLong,
    /// Tensor name is empty.
    EmptyName,
    /// Names are not in strictly increasing bytewise order.
    NotSorted,
    /// Two tensors have the same name.
    DuplicateName,
    /// Tensor rank above [`MAX_RANK`].
    RankTooHigh,
    /// The product of the shape overflows `u64`.
    ShapeOverflow,
    /// One tensor's data is larger than [`MAX_TENSOR_BYTES`].
    TensorTooLarge,
    /// All tensors together are larger than [`MAX_TENSOR_MAP_BYTES`].
    MapTooLarge,
    /// `product(shape) * dtype size` differs from the data length.
    DataLength {
        /// Length implied by shape and dtype.
        expected: u64,
        /// Actual data length.
        actual: u64,
    },
    /// A boolean element is neither 0 nor 1.
    InvalidBool,
}

/// A dense tensor: dtype, shape and raw little-endian row-major data.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct Tensor {
    /// Element type.
    pub dtype: DType,
    /// Dimensions; empty for a scalar.
    pub shape: Vec<u64>,
    /// Raw little-endian element data, `product(shape) * dtype.size_in_bytes()` bytes.
    pub data: Vec<u8>,
}

/// Number of elements of a shape, or [`TensorError::ShapeOverflow`].
pub fn shape_elements(shape: &[u64]) -> Result<u64, TensorError> {
    shape
        .iter()
        .try_fold(1u64, |acc, d| acc.checked_mul(*d))
        .ok_or(TensorError::ShapeOverflow)
}

impl Tensor {
    /// Builds a tensor and checks it with [`Tensor::validate`].
    pub fn new(dtype: DType, shape: Vec<u64>, data: Vec<u8>) -> Result<Tensor, TensorError> {
        let t = Tensor { dtype, shape, data };
        t.validate()?;
        Ok(t)
    }

    /// Builds an `f32` tensor from values.
    pub fn from_f32(shape: Vec<u64>, values: &[f32]) -> Result<Tensor, TensorError> {
        let data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        Tensor::new(DType::F32, shape, data)
    }

    /// Builds an `i64` tensor from values.
    pub fn from_i64(shape: Vec<u64>, values: &[i64]) -> Result<Tensor, TensorError> {
        let data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        Tensor::new(DType::I64, shape, data)
    }

    /// Number of elements (`product(shape)`).
    pub fn num_elements(&self) -> Result<u64, TensorError> {
        shape_elements(&self.shape)
    }

    /// Checks rank, size and data length limits, and that booleans are 0 or 1.
    pub fn validate(&self) -> Result<(), TensorError> {
        check_header(self.dtype, &self.shape, self.data.len() as u64)?;
        if self.dtype == DType::Bool && self.data.iter().any(|b| *b > 1) {
            return Err(TensorError::InvalidBool);
        }
        Ok(())
    }
}

/// Checks rank, overflow, per-tensor size and data length of a tensor header.
fn check_header(dtype: DType, shape: &[u64], data_len: u64) -> Result<(), TensorError> {
    if shape.len() as u64 > MAX_RANK as u64 {
        return Err(TensorError::RankTooHigh);
    }
    let expected = shape_elements(shape)?
        .checked_mul(dtype.size_in_bytes())
        .ok_or(TensorError::ShapeOverflow)?;
    if expected > MAX_TENSOR_BYTES {
        return Err(TensorError::TensorTooLarge);
    }
    if expected != data_len {
        return Err(TensorError::DataLength {
            expected,
            actual: data_len,
        });
    }
    Ok(())
}

/// A tensor with its name (the ONNX input or output name, as bytes).
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct NamedTensor {
    /// Tensor name, 1..=[`MAX_NAME_LEN`] bytes.
    pub name: Vec<u8>,
    /// The tensor.
    pub tensor: Tensor,
}

/// Named tensors sorted by name (bytewise, strictly increasing, so names are unique).
///
/// The SCALE encoding of a valid map is canonical: equal maps have equal encodings.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct TensorMap(pub Vec<NamedTensor>);

impl TensorMap {
    /// Sorts `tensors` by name and checks the result with [`TensorMap::validate`]
    /// (duplicate names are an error).
    pub fn new(mut tensors: Vec<NamedTensor>) -> Result<TensorMap, TensorError> {
        tensors.sort_by(|a, b| a.name.cmp(&b.name));
        let map = TensorMap(tensors);
        map.validate()?;
        Ok(map)
    }

    /// Checks canonical order, unique names and every limit.
    pub fn validate(&self) -> Result<(), TensorError> {
        if self.0.len() as u64 > MAX_TENSORS as u64 {
            return Err(TensorError::TooManyTensors);
        }
        let mut total: u64 = 0;
        let mut prev: Option<&[u8]> = None;
        for nt in &self.0 {
            check_name(&nt.name)?;
            if let Some(p) = prev {
                check_order(p, &nt.name)?;
            }
            prev = Some(&nt.name);
            nt.tensor.validate()?;
            total = total.saturating_add(nt.tensor.data.len() as u64);
            if total > MAX_TENSOR_MAP_BYTES {
                return Err(TensorError::MapTooLarge);
            }
        }
        Ok(())
    }

    /// The tensor named `name`, if any.
    pub fn get(&self, name: &[u8]) -> Option<&Tensor> {
        self.0
            .binary_search_by(|nt| nt.name.as_slice().cmp(name))
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|nt| &nt.tensor)
    }

    /// Number of tensors.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the map holds no tensor.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The canonical encoding (SCALE) used for hashing and commitments. Only meaningful for a
    /// valid map (built with [`TensorMap::new`] or [`TensorMap::decode_checked`]).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        self.encode()
    }

    /// Decodes a canonical encoding from untrusted bytes.
    ///
    /// Enforces every limit before allocating (allocation is bounded by the input length and
    /// [`MAX_TENSOR_MAP_BYTES`]), requires canonical order and no trailing bytes, and never
    /// panics. `decode_checked(m.canonical_bytes()) == Ok(m)` for every valid `m`.
    pub fn decode_checked(bytes: &[u8]) -> Result<TensorMap, TensorError> {
        let mut input = bytes;
        let count = read_len(&mut input)?;
        if count > MAX_TENSORS as u64 {
            return Err(TensorError::TooManyTensors);
        }
        let mut tensors = Vec::with_capacity(count as usize);
        let mut total: u64 = 0;
        for _ in 0..count {
            let name_len = read_len(&mut input)?;
            if name_len > MAX_NAME_LEN as u64 {
                return Err(TensorError::NameTooLong);
            }
            let name = take(&mut input, name_len)?.to_vec();
            check_name(&name)?;
            if let Some(prev) = tensors.last() {
                let prev: &NamedTensor = prev;
                check_order(&prev.name, &name)?;
            }
            let dtype = DType::decode(&mut input).map_err(|_| TensorError::Malformed)?;
            let rank = read_len(&mut input)?;
            if rank > MAX_RANK as u64 {
                return Err(TensorError::RankTooHigh);
            }
            let mut shape = Vec::with_capacity(rank as usize);
            for _ in 0..rank {
                let dim = take(&mut input, 8)?;
                let mut le = [0u8; 8];
                le.copy_from_slice(dim);
                shape.push(u64::from_le_bytes(le));
            }
            let data_len = read_len(&mut input)?;
            check_header(dtype, &shape, data_len)?;
            total = total.saturating_add(data_len);
            if total > MAX_TENSOR_MAP_BYTES {
                return Err(TensorError::MapTooLarge);
            }
            let data = take(&mut input, data_len)?.to_vec();
            if dtype == DType::Bool && data.iter().any(|b| *b > 1) {
                return Err(TensorError::InvalidBool);
            }
            tensors.push(NamedTensor {
                name,
                tensor: Tensor { dtype, shape, data },
            });
        }
        if !input.is_empty() {
            return Err(TensorError::TrailingBytes);
        }
        Ok(TensorMap(tensors))
    }
}

fn check_name(name: &[u8]) -> Result<(), TensorError> {
    if name.is_empty() {
        return Err(TensorError::EmptyName);
    }
    if name.len() as u64 > MAX_NAME_LEN as u64 {
        return Err(TensorError::NameTooLong);
    }
    Ok(())
}

fn check_order(prev: &[u8], next: &[u8]) -> Result<(), TensorError> {
    match prev.cmp(next) {
        core::cmp::Ordering::Less => Ok(()),
        core::cmp::Ordering::Equal => Err(TensorError::DuplicateName),
        core::cmp::Ordering::Greater => Err(TensorError::NotSorted),
    }
}

/// Reads a SCALE compact length (a `Compact<u64>`, which also accepts every `Compact<u32>`
/// encoding the derived `Vec` codec produces, since both use the same format).
fn read_len(input: &mut &[u8]) -> Result<u64, TensorError> {
    let before = *input;
    let len = Compact::<u32>::decode(input).map_err(|_| TensorError::Malformed)?;
    // Reject non-canonical (over-long) compact encodings so the encoding is unique.
    let used = before.len() - input.len();
    if Compact(len.0).encoded_size() != used {
        return Err(TensorError::Malformed);
    }
    Ok(len.0 as u64)
}

/// Takes `n` bytes off the front of `input`, or [`TensorError::Malformed`] if too short.
fn take<'a>(input: &mut &'a [u8], n: u64) -> Result<&'a [u8], TensorError> {
    let n = usize::try_from(n).map_err(|_| TensorError::Malformed)?;
    if n > input.len() {
        return Err(TensorError::Malformed);
    }
    let (head, tail) = input.split_at(n);
    *input = tail;
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn sample() -> TensorMap {
        TensorMap::new(vec![
            NamedTensor {
                name: b"y".to_vec(),
                tensor: Tensor::from_i64(vec![2], &[1, -2]).unwrap(),
            },
            NamedTensor {
                name: b"x".to_vec(),
                tensor: Tensor::from_f32(vec![1, 2], &[0.5, -1.0]).unwrap(),
            },
        ])
        .unwrap()
    }

    #[test]
    fn new_sorts_and_round_trips() {
        let m = sample();
        assert_eq!(m.0[0].name, b"x");
        let bytes = m.canonical_bytes();
        assert_eq!(TensorMap::decode_checked(&bytes), Ok(m.clone()));
        assert_eq!(TensorMap::decode(&mut &bytes[..]).unwrap(), m);
        assert!(m.get(b"y").is_some());
        assert!(m.get(b"z").is_none());
    }

    #[test]
    fn rejects_non_canonical() {
        let mut m = sample();
        m.0.swap(0, 1);
        assert_eq!(
            TensorMap::decode_checked(&m.encode()),
            Err(TensorError::NotSorted)
        );
        let mut m = sample();
        m.0[1].name = b"x".to_vec();
        assert_eq!(
            TensorMap::decode_checked(&m.encode()),
            Err(TensorError::DuplicateName)
        );
        let mut bytes = sample().canonical_bytes();
        bytes.push(0);
        assert_eq!(
            TensorMap::decode_checked(&bytes),
            Err(TensorError::TrailingBytes)
        );
    }

    #[test]
    fn rejects_bad_lengths_and_limits() {
        let mut m = sample();
        m.0[0].tensor.data.pop();
        assert_eq!(
            TensorMap::decode_checked(&m.encode()),
            Err(TensorError::DataLength {
                expected: 8,
                actual: 7
            })
        );
        let m = TensorMap(vec![NamedTensor {
            name: b"a".to_vec(),
            tensor: Tensor {
                dtype: DType::U8,
                shape: vec![u64::MAX, 2],
                data: vec![],
            },
        }]);
        assert_eq!(
            TensorMap::decode_checked(&m.encode()),
            Err(TensorError::ShapeOverflow)
        );
        let m = TensorMap(vec![NamedTensor {
            name: b"a".to_vec(),
            tensor: Tensor {
                dtype: DType::Bool,
                shape: vec![1],
                data: vec![2],
            },
        }]);
        assert_eq!(
            TensorMap::decode_checked(&m.encode()),
            Err(TensorError::InvalidBool)
        );
        // A length prefix claiming 1 GiB of data with nothing behind it.
        let mut bytes = Vec::new();
        Compact(1u32).encode_to(&mut bytes);
        Compact(1u32).encode_to(&mut bytes);
        bytes.push(b'a');
        DType::U8.encode_to(&mut bytes);
        Compact(1u32).encode_to(&mut bytes);
        bytes.extend_from_slice(&(1u64 << 30).to_le_bytes());
        Compact(1u32 << 30).encode_to(&mut bytes);
        assert_eq!(
            TensorMap::decode_checked(&bytes),
            Err(TensorError::TensorTooLarge)
        );
    }

    #[test]
    fn scalar_and_empty_tensors() {
        let m = TensorMap::new(vec![
            NamedTensor {
                name: b"s".to_vec(),
                tensor: Tensor::from_f32(vec![], &[1.0]).unwrap(),
            },
            NamedTensor {
                name: b"e".to_vec(),
                tensor: Tensor::from_f32(vec![0, 3], &[]).unwrap(),
            },
        ])
        .unwrap();
        assert_eq!(TensorMap::decode_checked(&m.canonical_bytes()), Ok(m));
    }
}
