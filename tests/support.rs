//! Paths and loaders shared by the test modules.

use std::path::PathBuf;

use burn::prelude::*;
use safetensors::{Dtype, SafeTensors};
use tunelab::core::task_model::ModelFiles;

pub fn shared(path: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")).join(path)
}

/// The default model, put in place by `cargo xtask models` (or `TUNELAB_MODEL_DIR`).
pub fn model_dir() -> PathBuf {
    let dir = std::env::var_os("TUNELAB_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/web/models/all-MiniLM-L6-v2")));
    assert!(
        dir.join("model.safetensors").is_file(),
        "default model missing in {}: run `cargo xtask models`",
        dir.display()
    );
    dir
}

pub fn model_files() -> ModelFiles {
    let dir = model_dir();
    let read =
        |name: &str| std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()));
    ModelFiles {
        config_json: read("config.json"),
        tokenizer_json: read("tokenizer.json"),
        model_safetensors: read("model.safetensors"),
    }
}

/// A golden fixture's tensors, read as f32 or i64.
pub struct Fixture {
    bytes: Vec<u8>,
}

impl Fixture {
    pub fn open(name: &str) -> Self {
        let path = shared(&format!("golden/{name}"));
        Self { bytes: std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())) }
    }

    fn view(&self, name: &str) -> (Vec<usize>, Dtype, Vec<u8>) {
        let file = SafeTensors::deserialize(&self.bytes).expect("fixture is safetensors");
        let view = file.tensor(name).unwrap_or_else(|_| panic!("fixture has no tensor {name}"));
        (view.shape().to_vec(), view.dtype(), view.data().to_vec())
    }

    pub fn f32(&self, name: &str) -> (Vec<usize>, Vec<f32>) {
        let (shape, dtype, data) = self.view(name);
        assert_eq!(dtype, Dtype::F32, "{name}");
        (shape, data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
    }

    pub fn i64(&self, name: &str) -> (Vec<usize>, Vec<i64>) {
        let (shape, dtype, data) = self.view(name);
        assert_eq!(dtype, Dtype::I64, "{name}");
        (shape, data.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes"))).collect())
    }

    pub fn int_tensor<const D: usize>(&self, name: &str, device: &Device) -> Tensor<D, Int> {
        let (shape, values) = self.i64(name);
        let values: Vec<i32> = values.into_iter().map(|v| v as i32).collect();
        Tensor::from_data(TensorData::new(values, shape), device)
    }
}

/// A line on the real stderr: the test harness captures `eprintln!` of passing tests, and a
/// GPU test must say where it ran, or that it did not.
fn announce(line: String) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// burn's wgpu device when this machine has one; `None` with the reason printed otherwise,
/// so a run without a GPU says which tests did not run.
pub fn wgpu_device(test: &str) -> Option<Device> {
    match std::panic::catch_unwind(|| Device::wgpu_options().init()) {
        Ok(Ok(device)) => {
            let adapter = device.identity().map_or_else(|| "unknown adapter".to_string(), |i| i.name);
            announce(format!("{test}: runs on wgpu adapter {adapter}"));
            Some(device)
        }
        Ok(Err(e)) => {
            announce(format!("SKIPPED {test} on wgpu: no wgpu device ({e})"));
            None
        }
        Err(_) => {
            announce(format!("SKIPPED {test} on wgpu: wgpu initialisation panicked"));
            None
        }
    }
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "length");
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

pub fn read_f32<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    pollster::block_on(t.into_data_async()).expect("read").try_to_vec::<f32>().expect("f32")
}
