//! Tensor files for people: JSON, NumPy `.npy` (one tensor) and `.npz` (named tensors).
//!
//! JSON: `{"x": {"dtype": "f32", "shape": [1, 4], "data": [0.1, 0.2, 0.3, 0.4]}}`. Floats are
//! written with the shortest representation that round-trips (so JSON output preserves bits),
//! non-finite floats as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`; booleans as
//! `true`/`false`. `.npz` keys are tensor names (`name.npy` entries); a `.npy` file is the
//! single input of a single-input model. `.npy` headers are read and written by `ndarray-npy`,
//! `.npz` archives by `zip`; dtypes are those of [`DType`] (little-endian or byte-sized), C
//! order only.

use anyhow::{anyhow, bail, ensure, Context, Result};
use inferchain_primitives::tensor::{shape_elements, DType, NamedTensor, Tensor, TensorMap};
use ndarray_npy::npy::header::{Header, Layout, ParseHeaderError, ReadHeaderError};
use py_literal::Value as PyValue;
use serde_json::{json, Map, Value};
use std::io::{Cursor, Read, Write};
use std::path::Path;

/// Reads a tensor map from a `.json`, `.npz` or `.npy` file. A `.npy` file needs the name of
/// the model's single input: `single_input`.
pub fn read_file(path: &Path, single_input: Option<&str>) -> Result<TensorMap> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    match extension(path).as_str() {
        "json" => from_json(&serde_json::from_slice(&bytes).context("parsing JSON")?),
        "npz" => from_npz(&bytes),
        "npy" => {
            let name = single_input
                .ok_or_else(|| anyhow!(".npy input needs a model with exactly one input"))?;
            let t = from_npy(&bytes)?;
            TensorMap::new(vec![NamedTensor {
                name: name.as_bytes().to_vec(),
                tensor: t,
            }])
            .map_err(|e| anyhow!("invalid tensor: {e:?}"))
        }
        other => bail!("unknown tensor file extension {other:?} (use .json, .npz or .npy)"),
    }
}

/// Writes a tensor map as `.json` or `.npz` according to the extension.
pub fn write_file(path: &Path, map: &TensorMap) -> Result<()> {
    let bytes = match extension(path).as_str() {
        "json" => serde_json::to_vec_pretty(&to_json(map)?)?,
        "npz" => to_npz(map)?,
        other => bail!("unknown output extension {other:?} (use .json or .npz)"),
    };
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn float_json(v: f64, is_f32: bool) -> Value {
    if v.is_nan() {
        json!("NaN")
    } else if v.is_infinite() {
        json!(if v > 0.0 { "Infinity" } else { "-Infinity" })
    } else if is_f32 {
        // The shortest decimal that round-trips the f32 (Rust's Display), read back as the
        // JSON number it denotes (53 ≥ 2·24 + 2 bits, so reading it via f64 is exact).
        serde_json::from_str(&format!("{}", v as f32)).unwrap_or(Value::Null)
    } else {
        serde_json::to_value(v).unwrap_or(Value::Null)
    }
}

fn json_float(v: &Value) -> Result<f64> {
    match v {
        Value::Number(n) => n.as_f64().ok_or_else(|| anyhow!("bad number {n}")),
        Value::String(s) => match s.as_str() {
            "NaN" | "nan" => Ok(f64::NAN),
            "Infinity" | "inf" => Ok(f64::INFINITY),
            "-Infinity" | "-inf" => Ok(f64::NEG_INFINITY),
            _ => bail!("bad float {s:?}"),
        },
        _ => bail!("expected a number, got {v}"),
    }
}

fn json_int(v: &Value) -> Result<i64> {
    v.as_i64()
        .ok_or_else(|| anyhow!("expected an integer, got {v}"))
}

/// Converts a tensor to its JSON object.
pub fn tensor_to_json(t: &Tensor) -> Result<Value> {
    fn le<const N: usize>(c: &[u8]) -> [u8; N] {
        let mut b = [0u8; N];
        b.copy_from_slice(c);
        b
    }
    let d = &t.data;
    let data: Vec<Value> = match t.dtype {
        DType::F32 => d
            .chunks_exact(4)
            .map(|c| float_json(f32::from_le_bytes(le(c)) as f64, true))
            .collect(),
        DType::F64 => d
            .chunks_exact(8)
            .map(|c| float_json(f64::from_le_bytes(le(c)), false))
            .collect(),
        DType::I64 => d
            .chunks_exact(8)
            .map(|c| json!(i64::from_le_bytes(le(c))))
            .collect(),
        DType::I32 => d
            .chunks_exact(4)
            .map(|c| json!(i32::from_le_bytes(le(c))))
            .collect(),
        DType::I8 => d.iter().map(|b| json!(*b as i8)).collect(),
        DType::U8 => d.iter().map(|b| json!(*b)).collect(),
        DType::Bool => d.iter().map(|b| json!(*b != 0)).collect(),
    };
    Ok(json!({"dtype": t.dtype.name(), "shape": t.shape, "data": data}))
}

/// Converts a tensor map to a JSON object keyed by tensor name.
pub fn to_json(map: &TensorMap) -> Result<Value> {
    let mut obj = Map::new();
    for nt in &map.0 {
        let name = String::from_utf8(nt.name.clone()).context("tensor name is not UTF-8")?;
        obj.insert(name, tensor_to_json(&nt.tensor)?);
    }
    Ok(Value::Object(obj))
}

/// Parses one tensor from its JSON object.
pub fn tensor_from_json(v: &Value) -> Result<Tensor> {
    let dtype = v["dtype"]
        .as_str()
        .ok_or_else(|| anyhow!("missing \"dtype\""))?;
    let dtype = DType::from_name(dtype).ok_or_else(|| anyhow!("unknown dtype {dtype:?}"))?;
    let shape: Vec<u64> = v["shape"]
        .as_array()
        .ok_or_else(|| anyhow!("missing \"shape\""))?
        .iter()
        .map(|d| d.as_u64().ok_or_else(|| anyhow!("bad dimension {d}")))
        .collect::<Result<_>>()?;
    let values = flatten(&v["data"]);
    let mut data = Vec::with_capacity(values.len() * dtype.size_in_bytes() as usize);
    for x in values {
        match dtype {
            DType::F32 => data.extend_from_slice(&(json_float(x)? as f32).to_le_bytes()),
            DType::F64 => data.extend_from_slice(&json_float(x)?.to_le_bytes()),
            DType::I64 => data.extend_from_slice(&json_int(x)?.to_le_bytes()),
            DType::I32 => data.extend_from_slice(&i32::try_from(json_int(x)?)?.to_le_bytes()),
            DType::I8 => data.push(i8::try_from(json_int(x)?)? as u8),
            DType::U8 => data.push(u8::try_from(json_int(x)?)?),
            DType::Bool => data.push(match x {
                Value::Bool(b) => *b as u8,
                other => u8::from(json_int(other)? != 0),
            }),
        }
    }
    Tensor::new(dtype, shape, data).map_err(|e| anyhow!("invalid tensor: {e:?}"))
}

/// Flattens nested JSON arrays (data may be given flat or nested like the shape).
fn flatten(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().flat_map(flatten).collect(),
        other => vec![other],
    }
}

/// Parses a tensor map from a JSON object keyed by tensor name.
pub fn from_json(v: &Value) -> Result<TensorMap> {
    let obj = v
        .as_object()
        .ok_or_else(|| anyhow!("expected a JSON object of tensors"))?;
    let tensors = obj
        .iter()
        .map(|(k, t)| {
            Ok(NamedTensor {
                name: k.as_bytes().to_vec(),
                tensor: tensor_from_json(t).with_context(|| format!("tensor {k:?}"))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    TensorMap::new(tensors).map_err(|e| anyhow!("invalid tensor map: {e:?}"))
}

/// The `.npy` type descriptor written for each dtype (NumPy's own spelling).
fn descr(dtype: DType) -> &'static str {
    match dtype {
        DType::F32 => "<f4",
        DType::F64 => "<f8",
        DType::I64 => "<i8",
        DType::I32 => "<i4",
        DType::I8 => "|i1",
        DType::U8 => "|u1",
        DType::Bool => "|b1",
    }
}

/// The dtype of an `.npy` type descriptor: little-endian or byte-sized types only.
fn dtype_of_descr(descr: &str) -> Option<DType> {
    Some(match descr {
        "<f4" => DType::F32,
        "<f8" => DType::F64,
        "<i8" => DType::I64,
        "<i4" => DType::I32,
        "|i1" | "<i1" => DType::I8,
        "|u1" | "<u1" => DType::U8,
        "|b1" => DType::Bool,
        _ => return None,
    })
}

/// Refuses a version 2 or 3 `.npy` whose declared header length runs past the end of the
/// file. ndarray-npy allocates the declared length (up to 4 GiB) before reading the header, so
/// this bound is checked first; version 1 declares at most 64 KiB.
fn check_declared_header_len(bytes: &[u8]) -> Result<()> {
    if let (Some(2 | 3), Some(len)) = (bytes.get(6), bytes.get(8..12)) {
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]);
        ensure!(
            12 + u64::from(len) <= bytes.len() as u64,
            "truncated .npy header: it declares {len} bytes, the file has {}",
            bytes.len()
        );
    }
    Ok(())
}

/// A clear message for a header ndarray-npy could not read.
fn npy_header_error(e: ReadHeaderError) -> anyhow::Error {
    match e {
        ReadHeaderError::Parse(ParseHeaderError::MagicString) => anyhow!("not a .npy file"),
        ReadHeaderError::Parse(ParseHeaderError::Version { major, minor }) => {
            anyhow!("unsupported .npy version {major}.{minor}")
        }
        ReadHeaderError::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            anyhow!("truncated .npy header")
        }
        e => anyhow!("bad .npy header: {e}"),
    }
}

/// Parses a `.npy` file (C order, little-endian or byte-sized dtypes).
///
/// The header is read by `ndarray-npy`; the data length the shape implies is checked against
/// the bytes that follow before any data is copied, so a header claiming a huge shape costs
/// nothing.
pub fn from_npy(bytes: &[u8]) -> Result<Tensor> {
    check_declared_header_len(bytes)?;
    let mut reader = Cursor::new(bytes);
    let header = Header::from_reader(&mut reader).map_err(npy_header_error)?;
    let dtype = match &header.type_descriptor {
        PyValue::String(d) => {
            dtype_of_descr(d).ok_or_else(|| anyhow!("unsupported .npy dtype {d:?}"))?
        }
        other => bail!("unsupported .npy dtype {other}"),
    };
    ensure!(
        !header.layout.is_fortran(),
        "Fortran-order .npy is not supported"
    );
    let shape: Vec<u64> = header.shape.iter().map(|d| *d as u64).collect();
    let data = &bytes[reader.position() as usize..];
    let needed = shape_elements(&shape)
        .ok()
        .and_then(|n| n.checked_mul(dtype.size_in_bytes()))
        .ok_or_else(|| anyhow!(".npy shape {shape:?} overflows"))?;
    ensure!(
        needed <= data.len() as u64,
        "truncated .npy: shape {shape:?} of {} needs {needed} bytes of data, the file has {}",
        dtype.name(),
        data.len()
    );
    ensure!(
        needed == data.len() as u64,
        ".npy has {} bytes of data, more than its shape {shape:?} of {} needs ({needed})",
        data.len(),
        dtype.name()
    );
    Tensor::new(dtype, shape, data.to_vec()).map_err(|e| anyhow!("invalid .npy tensor: {e:?}"))
}

/// Encodes a tensor as a `.npy` file (version 1.0 unless the header needs more).
pub fn to_npy(t: &Tensor) -> Vec<u8> {
    let header = Header {
        type_descriptor: PyValue::String(descr(t.dtype).into()),
        layout: Layout::Standard,
        shape: t.shape.iter().map(|d| *d as usize).collect(),
    };
    // Formatting fails only for a header longer than 4 GiB or a non-ASCII descriptor; a
    // descriptor from `descr` and a shape of `u64`s give neither.
    let mut out = header
        .to_bytes()
        .expect("a .npy header of a dtype descriptor and a shape always formats");
    out.extend_from_slice(&t.data);
    out
}

/// Parses a `.npz` archive (stored or deflated) into a tensor map.
pub fn from_npz(bytes: &[u8]) -> Result<TensorMap> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).context("not a .npz archive")?;
    let mut tensors = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i)?;
        let name = f.name().trim_end_matches(".npy").to_string();
        // One tensor map's data and a header; the declared size is checked, then the read is
        // bounded (a declared size can lie).
        let limit = inferchain_primitives::limits::MAX_TENSOR_MAP_BYTES + 4096;
        ensure!(f.size() <= limit, "npz entry {name:?} too large");
        let mut buf = Vec::new();
        (&mut f)
            .take(limit + 1)
            .read_to_end(&mut buf)
            .with_context(|| format!("reading npz entry {name:?}"))?;
        ensure!(buf.len() as u64 <= limit, "npz entry {name:?} too large");
        tensors.push(NamedTensor {
            name: name.as_bytes().to_vec(),
            tensor: from_npy(&buf).with_context(|| format!("npz entry {name:?}"))?,
        });
    }
    TensorMap::new(tensors).map_err(|e| anyhow!("invalid tensor map: {e:?}"))
}

/// Encodes a tensor map as a stored (uncompressed) `.npz` archive.
pub fn to_npz(map: &TensorMap) -> Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for nt in &map.0 {
        let name = String::from_utf8(nt.name.clone()).context("tensor name is not UTF-8")?;
        zip.start_file(format!("{name}.npy"), opts)?;
        zip.write_all(&to_npy(&nt.tensor))?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TensorMap {
        TensorMap::new(vec![
            NamedTensor {
                name: b"x".to_vec(),
                tensor: Tensor::from_f32(vec![1, 3], &[0.1, f32::NAN, f32::NEG_INFINITY]).unwrap(),
            },
            NamedTensor {
                name: b"i".to_vec(),
                tensor: Tensor::from_i64(vec![2], &[-3, 4]).unwrap(),
            },
            NamedTensor {
                name: b"b".to_vec(),
                tensor: Tensor::new(DType::Bool, vec![2], vec![1, 0]).unwrap(),
            },
        ])
        .unwrap()
    }

    #[test]
    fn json_round_trip_preserves_bits() {
        let m = sample();
        let back = from_json(&to_json(&m).unwrap()).unwrap();
        assert_eq!(back.canonical_bytes(), m.canonical_bytes());
        let v: Value = serde_json::from_str(
            r#"{"x": {"dtype": "f32", "shape": [1, 4], "data": [[0.1, 0.2, 0.3, 0.4]]}}"#,
        )
        .unwrap();
        let m = from_json(&v).unwrap();
        assert_eq!(m.get(b"x").unwrap().data.len(), 16);
    }

    #[test]
    fn npz_and_npy_round_trip() {
        let m = sample();
        assert_eq!(from_npz(&to_npz(&m).unwrap()).unwrap(), m);
        let t = m.get(b"x").unwrap();
        assert_eq!(&from_npy(&to_npy(t)).unwrap(), t);
        let scalar = Tensor::from_f32(vec![], &[2.5]).unwrap();
        assert_eq!(from_npy(&to_npy(&scalar)).unwrap(), scalar);
    }

    #[test]
    fn rejects_bad_files() {
        assert!(from_npy(b"garbage").is_err());
        assert!(from_npz(b"garbage").is_err());
        let v: Value =
            serde_json::from_str(r#"{"x": {"dtype": "f32", "shape": [2], "data": [1]}}"#).unwrap();
        assert!(from_json(&v).is_err());
    }
}
