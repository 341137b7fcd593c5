//! The safetensors layout, read and written: an 8-byte little-endian header length, a JSON
//! header (`dtype`, `shape`, `data_offsets` per tensor), then the data.

use serde_json::{json, Map, Value};

/// One tensor: its name, dtype (`F32`, `F16`, …), shape and little-endian data.
pub struct Tensor {
    pub name: String,
    pub dtype: String,
    pub shape: Vec<usize>,
    pub data: Vec<u8>,
}

/// The tensors of a file, in the order of their data.
pub fn read(bytes: &[u8]) -> Result<Vec<Tensor>, String> {
    let length = bytes.get(..8).ok_or("shorter than a safetensors header")?;
    let length = u64::from_le_bytes(length.try_into().map_err(|_| "no header length")?) as usize;
    let head = bytes.get(8..8 + length).ok_or("the header runs past the end")?;
    let data = &bytes[8 + length..];
    let header: Map<String, Value> = serde_json::from_slice(head).map_err(|e| format!("the header: {e}"))?;
    let mut tensors = Vec::new();
    for (name, entry) in header.into_iter().filter(|(name, _)| name != "__metadata__") {
        let offsets: Vec<usize> =
            serde_json::from_value(entry["data_offsets"].clone()).map_err(|e| format!("{name}: {e}"))?;
        let [start, end] = offsets[..] else { return Err(format!("{name}: data_offsets is not [start, end]")) };
        let tensor = Tensor {
            dtype: entry["dtype"].as_str().ok_or_else(|| format!("{name}: no dtype"))?.to_string(),
            shape: serde_json::from_value(entry["shape"].clone()).map_err(|e| format!("{name}: {e}"))?,
            data: data.get(start..end).ok_or_else(|| format!("{name}: data past the end"))?.to_vec(),
            name,
        };
        tensors.push((start, tensor));
    }
    tensors.sort_by_key(|(start, _)| *start);
    Ok(tensors.into_iter().map(|(_, t)| t).collect())
}

/// The file holding `tensors`, their data in the given order, the header padded to 8 bytes.
pub fn write(tensors: &[Tensor]) -> Vec<u8> {
    let mut header = Map::new();
    let mut offset = 0;
    for t in tensors {
        let end = offset + t.data.len();
        header.insert(t.name.clone(), json!({ "dtype": t.dtype, "shape": t.shape, "data_offsets": [offset, end] }));
        offset = end;
    }
    let mut head = serde_json::to_vec(&Value::Object(header)).unwrap_or_default();
    while head.len() % 8 != 0 {
        head.push(b' ');
    }
    let mut bytes = Vec::with_capacity(8 + head.len() + offset);
    bytes.extend_from_slice(&(head.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&head);
    for t in tensors {
        bytes.extend_from_slice(&t.data);
    }
    bytes
}

/// An F32 tensor from values.
/// Little-endian F32 bytes as values.
pub fn f32_values(data: &[u8]) -> impl Iterator<Item = f32> + '_ {
    data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

pub fn f32_tensor(name: &str, shape: &[usize], values: &[f32]) -> Tensor {
    let data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    Tensor { name: name.to_string(), dtype: "F32".into(), shape: shape.to_vec(), data }
}
