//! `.npy` and `.npz` files: every dtype round-trips and agrees with NumPy both ways; malformed
//! files (wrong magic, truncated, Fortran order, big-endian, unsupported dtypes and versions,
//! lying header lengths and shapes, zip bombs) give a clear error, never a panic or a large
//! allocation.

mod common;

use common::python_with;
use inferchain_engine::tensor_io::{from_npy, from_npz, read_file, to_npy, to_npz};
use inferchain_primitives::tensor::{DType, NamedTensor, Tensor, TensorMap};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, recording the largest single allocation this test binary makes.
struct Largest;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; the counter is only recorded.
unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Largest = Largest;

/// A `.npy` file with `header` (the dict literal) as written, padded like NumPy does.
fn npy(version: u8, header: &str, data: &[u8]) -> Vec<u8> {
    let prefix = if version == 1 { 10 } else { 12 };
    let mut text = header.to_string();
    while !(prefix + text.len() + 1).is_multiple_of(64) {
        text.push(' ');
    }
    text.push('\n');
    let mut out = b"\x93NUMPY".to_vec();
    out.extend_from_slice(&[version, 0]);
    if version == 1 {
        out.extend_from_slice(&(text.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(data);
    out
}

fn npy_error(bytes: &[u8]) -> String {
    match from_npy(bytes) {
        Ok(t) => panic!("accepted: {t:?}"),
        Err(e) => format!("{e:#}"),
    }
}

fn one_of_each() -> Vec<Tensor> {
    vec![
        Tensor::from_f32(vec![2, 3], &[0.5, -1.0, f32::NAN, f32::INFINITY, 0.0, -0.0]).unwrap(),
        Tensor::new(
            DType::F64,
            vec![2],
            [1.5f64, -2.25]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        )
        .unwrap(),
        Tensor::from_i64(vec![3], &[i64::MIN, 0, i64::MAX]).unwrap(),
        Tensor::new(
            DType::I32,
            vec![1, 2],
            [-7i32, 9].iter().flat_map(|v| v.to_le_bytes()).collect(),
        )
        .unwrap(),
        Tensor::new(DType::I8, vec![3], vec![0x80, 0, 0x7f]).unwrap(),
        Tensor::new(DType::U8, vec![1, 1, 3], vec![0, 128, 255]).unwrap(),
        Tensor::new(DType::Bool, vec![2], vec![1, 0]).unwrap(),
        Tensor::from_f32(vec![], &[2.5]).unwrap(),
        Tensor::from_f32(vec![0, 4], &[]).unwrap(),
    ]
}

#[test]
fn every_dtype_round_trips() {
    for t in one_of_each() {
        assert_eq!(from_npy(&to_npy(&t)).unwrap(), t, "{:?}", t.dtype);
        // NumPy aligns the data on 64 bytes.
        assert_eq!((to_npy(&t).len() - t.data.len()) % 64, 0);
    }
    let map = TensorMap::new(
        one_of_each()
            .into_iter()
            .take(7)
            .enumerate()
            .map(|(i, tensor)| NamedTensor {
                name: format!("t{i}").into_bytes(),
                tensor,
            })
            .collect(),
    )
    .unwrap();
    assert_eq!(from_npz(&to_npz(&map).unwrap()).unwrap(), map);
}

/// NumPy reads what we write (every dtype, by name), and we read what NumPy writes: `.npz`
/// stored and compressed, `.npy` versions 1.0, 2.0 and 3.0.
#[test]
fn numpy_reads_ours_and_we_read_numpys() {
    let python = python_with(&["numpy"]);
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ours.npz");
    let map = TensorMap::new(vec![
        NamedTensor {
            name: b"b".to_vec(),
            tensor: Tensor::new(DType::Bool, vec![3], vec![1, 0, 1]).unwrap(),
        },
        NamedTensor {
            name: b"f".to_vec(),
            tensor: Tensor::from_f32(vec![2, 2], &[0.1, -2.0, f32::NAN, 4.0]).unwrap(),
        },
        NamedTensor {
            name: b"i".to_vec(),
            tensor: Tensor::from_i64(vec![], &[-3]).unwrap(),
        },
        NamedTensor {
            name: b"u".to_vec(),
            tensor: Tensor::new(DType::U8, vec![2], vec![7, 255]).unwrap(),
        },
    ])
    .unwrap();
    std::fs::write(&ours, to_npz(&map).unwrap()).unwrap();
    let script = r#"
import sys
import numpy as np
from numpy.lib import format as npf
d = sys.argv[1]
z = np.load(d + "/ours.npz")
assert sorted(z.files) == ["b", "f", "i", "u"], z.files
assert z["b"].dtype == np.bool_ and z["b"].tolist() == [True, False, True]
assert z["f"].dtype == np.float32 and z["f"].shape == (2, 2)
assert z["f"][0, 0] == np.float32(0.1) and np.isnan(z["f"][1, 0])
assert z["i"].dtype == np.int64 and z["i"].shape == () and z["i"] == -3
assert z["u"].dtype == np.uint8 and z["u"].tolist() == [7, 255]
arrays = {
    "f64": np.array([[1.5, -2.25, 3.0]]),
    "i32": np.array([-7, 9], dtype=np.int32),
    "i8": np.array([-128, 0, 127], dtype=np.int8),
    "flag": np.array([[True], [False]]),
}
np.savez(d + "/stored.npz", **arrays)
np.savez_compressed(d + "/compressed.npz", **arrays)
for v in [(1, 0), (2, 0), (3, 0)]:
    with open(d + "/v%d.npy" % v[0], "wb") as f:
        npf.write_array(f, np.arange(6, dtype=np.float32).reshape(2, 3), version=v)
"#;
    let out = Command::new(python)
        .args(["-c", script])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let expected = TensorMap::new(vec![
        NamedTensor {
            name: b"f64".to_vec(),
            tensor: Tensor::new(
                DType::F64,
                vec![1, 3],
                [1.5f64, -2.25, 3.0]
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect(),
            )
            .unwrap(),
        },
        NamedTensor {
            name: b"flag".to_vec(),
            tensor: Tensor::new(DType::Bool, vec![2, 1], vec![1, 0]).unwrap(),
        },
        NamedTensor {
            name: b"i32".to_vec(),
            tensor: Tensor::new(
                DType::I32,
                vec![2],
                [-7i32, 9].iter().flat_map(|v| v.to_le_bytes()).collect(),
            )
            .unwrap(),
        },
        NamedTensor {
            name: b"i8".to_vec(),
            tensor: Tensor::new(DType::I8, vec![3], vec![0x80, 0, 0x7f]).unwrap(),
        },
    ])
    .unwrap();
    for name in ["stored.npz", "compressed.npz"] {
        assert_eq!(
            read_file(&dir.path().join(name), None).unwrap(),
            expected,
            "{name}"
        );
    }
    let arange = Tensor::from_f32(vec![2, 3], &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    for v in 1..=3 {
        let path = dir.path().join(format!("v{v}.npy"));
        let map = read_file(&path, Some("x")).unwrap();
        assert_eq!(map.get(b"x").unwrap(), &arange, "version {v}");
    }
}

#[test]
fn malformed_npy_files_give_clear_errors() {
    let good = to_npy(&Tensor::from_f32(vec![2, 3], &[1.0; 6]).unwrap());
    let header = |descr: &str, fortran: &str, shape: &str| {
        format!("{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}")
    };
    let f32_2x3 = [0u8; 24];
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("garbage", b"garbage!garbage!".to_vec(), "not a .npy file"),
        ("empty", Vec::new(), "truncated .npy header"),
        (
            "wrong magic",
            {
                let mut b = good.clone();
                b[5] = b'X';
                b
            },
            "not a .npy file",
        ),
        (
            "unknown version",
            {
                let mut b = good.clone();
                b[6] = 4;
                b
            },
            "unsupported .npy version 4.0",
        ),
        (
            "truncated header",
            good[..40].to_vec(),
            "truncated .npy header",
        ),
        ("no preamble", good[..9].to_vec(), "truncated .npy header"),
        (
            "truncated data",
            good[..good.len() - 3].to_vec(),
            "truncated .npy: shape [2, 3] of f32 needs 24 bytes of data, the file has 21",
        ),
        (
            "trailing data",
            [&good[..], &[0u8; 4]].concat(),
            ".npy has 28 bytes of data, more than its shape [2, 3] of f32 needs (24)",
        ),
        (
            "Fortran order",
            npy(1, &header("<f4", "True", "(2, 3)"), &f32_2x3),
            "Fortran-order .npy is not supported",
        ),
        (
            "big-endian",
            npy(1, &header(">f4", "False", "(2, 3)"), &f32_2x3),
            "unsupported .npy dtype \">f4\"",
        ),
        (
            "big-endian int",
            npy(1, &header(">i8", "False", "(3,)"), &f32_2x3),
            "unsupported .npy dtype \">i8\"",
        ),
        (
            "half precision",
            npy(1, &header("<f2", "False", "(2, 3)"), &[0u8; 12]),
            "unsupported .npy dtype \"<f2\"",
        ),
        (
            "objects",
            npy(1, &header("|O", "False", "(1,)"), &[0u8; 8]),
            "unsupported .npy dtype \"|O\"",
        ),
        (
            "structured",
            npy(
                1,
                "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }",
                &[0u8; 8],
            ),
            "unsupported .npy dtype [('a', '<f4')]",
        ),
        ("not a dict", npy(1, "[1, 2, 3]", &[]), "bad .npy header"),
        (
            "missing shape",
            npy(1, "{'descr': '<f4', 'fortran_order': False}", &[]),
            "bad .npy header",
        ),
        (
            "negative dimension",
            npy(1, &header("<f4", "False", "(-1,)"), &[]),
            "bad .npy header",
        ),
        (
            "invalid bool",
            npy(1, &header("|b1", "False", "(2,)"), &[1, 2]),
            "invalid .npy tensor: InvalidBool",
        ),
        (
            "rank above the limit",
            npy(
                1,
                &header("|u1", "False", "(1, 1, 1, 1, 1, 1, 1, 1, 1)"),
                &[7],
            ),
            "invalid .npy tensor: RankTooHigh",
        ),
        (
            "deeply nested shape",
            npy(
                1,
                &header(
                    "<f4",
                    "False",
                    &format!("{}{}", "(".repeat(20_000), ")".repeat(20_000)),
                ),
                &[],
            ),
            "bad .npy header",
        ),
    ];
    for (what, bytes, expected) in cases {
        let e = npy_error(&bytes);
        assert!(e.contains(expected), "{what}: {e}");
    }
}

/// Headers that claim gigabytes (of header text or of data) are refused against the file's
/// length before anything of that size is allocated.
#[test]
fn huge_claims_allocate_nothing() {
    let header =
        |shape: &str| format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
    let huge_shapes = [
        ("(1099511627776,)", "needs 4398046511104 bytes"),
        ("(65536, 65536, 65536)", "needs"),
        ("(4611686018427387904, 4)", "overflows"),
        ("(18446744073709551615, 18446744073709551615)", "overflows"),
    ];
    for (shape, expected) in huge_shapes {
        for version in [1, 2, 3] {
            let e = npy_error(&npy(version, &header(shape), &[0u8; 16]));
            assert!(e.contains(expected), "{shape} v{version}: {e}");
        }
    }
    // A version 2 header that declares 4 GiB of header text in a 64-byte file.
    let mut lying = npy(2, &header("(4,)"), &[0u8; 16]);
    lying[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    let e = npy_error(&lying);
    assert!(
        e.contains("truncated .npy header: it declares 4294967295 bytes"),
        "{e}"
    );
    let largest = LARGEST.load(Ordering::Relaxed);
    assert!(largest < 16 << 20, "largest allocation was {largest} bytes");
}

#[test]
fn malformed_npz_files_give_clear_errors() {
    let e = format!("{:#}", from_npz(b"garbage").unwrap_err());
    assert!(e.contains("not a .npz archive"), "{e}");
    let good = to_npz(
        &TensorMap::new(vec![NamedTensor {
            name: b"x".to_vec(),
            tensor: Tensor::from_f32(vec![64], &[1.0; 64]).unwrap(),
        }])
        .unwrap(),
    )
    .unwrap();
    assert!(from_npz(&good[..good.len() / 2]).is_err());
    // An entry that is not a .npy: the error names the entry (the tensor name).
    let zip_of = |entries: &[(&str, &[u8])], method: zip::CompressionMethod| {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        for (name, bytes) in entries {
            zip.start_file(*name, opts).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    };
    let bad = zip_of(
        &[("weights.npy", b"not an array")],
        zip::CompressionMethod::Stored,
    );
    let e = format!("{:#}", from_npz(&bad).unwrap_err());
    assert!(
        e.contains("npz entry \"weights\"") && e.contains("not a .npy file"),
        "{e}"
    );
    let fortran = npy(
        1,
        "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }",
        &[0u8; 8],
    );
    let e = format!(
        "{:#}",
        from_npz(&zip_of(
            &[("w.npy", &fortran)],
            zip::CompressionMethod::Stored
        ))
        .unwrap_err()
    );
    assert!(
        e.contains("npz entry \"w\"") && e.contains("Fortran"),
        "{e}"
    );
    // A zip bomb: 64 MiB of zeros deflated to a few kilobytes (written in 1 MiB pieces, so
    // the allocation bound of `huge_claims_allocate_nothing` holds in this binary).
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("z.npy", opts).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        zip.write_all(&zeros).unwrap();
    }
    let bomb = zip.finish().unwrap().into_inner();
    assert!(bomb.len() < 1 << 20);
    let e = format!("{:#}", from_npz(&bomb).unwrap_err());
    assert!(e.contains("npz entry \"z\" too large"), "{e}");
}
