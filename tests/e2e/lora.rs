//! LoRA in the page: a run with a LoRA rank trains the adapters and the head, the train panel
//! counts them against the whole model, and "Keep it" downloads the merged model with the peft
//! adapter beside it, says how to load each, writes the run as a Python project, and
//! downloads the merged model as ONNX in Transformers.js's folder layout.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use crate::driver::{downloaded, Chromedriver, Page};
use crate::{sst2_slice_loaded, Slices, TRAINING};

/// peft's count for r = 8 on MiniLM-L6's query and value (6 × 2 × 8 × (384 + 384)) and the
/// two-label head (770), of the model with its adapters.
const TRAINABLE: &str = "Training 74,498 of the model's 22,787,714 parameters";

pub async fn lora_run(driver: &Chromedriver, out: &Path, url: &str, data: &Slices) -> Result<(), String> {
    Page::in_fresh_profile(driver, out, async |page| lora(page, url, data).await).await
}

async fn lora(page: &Page, url: &str, data: &Slices) -> Result<(), String> {
    page.goto(url).await?;
    sst2_slice_loaded(page, data).await?;
    page.click("details.settings details.settings summary").await?;
    page.type_into("#lora", "8").await?;
    page.type_into("#epochs", "1").await?;
    page.click("#train").await?;
    page.wait_for_text("the end of the LoRA run", ".progress", "Finished", TRAINING).await?;
    let note = page.text("#trainable-note").await?;
    println!("e2e: LoRA: {note}");
    page.screenshot_at("lora-trainable", "#trainable-note").await?;
    if !note.contains(TRAINABLE) {
        return Err(format!("the train panel does not count the adapters and the head ({TRAINABLE}): {note}"));
    }

    let downloads = page.out.join("downloads");
    let _ = std::fs::remove_file(downloads.join("tunelab-model.zip"));
    page.click("#export-model").await?;
    page.wait_for("the export note", "#export-note", Duration::from_secs(300)).await?;
    let zip = downloaded(&downloads, "tunelab-model.zip", Duration::from_secs(120)).await?;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&zip)).map_err(|e| e.to_string())?;
    let mut read = |name: &str| -> Result<Vec<u8>, String> {
        let mut bytes = Vec::new();
        let mut entry = archive.by_name(name).map_err(|e| format!("the zip has no {name}: {e}"))?;
        entry.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
        Ok(bytes)
    };
    let config: serde_json::Value =
        serde_json::from_slice(&read("tunelab-model/adapter/adapter_config.json")?).map_err(|e| e.to_string())?;
    let weights = read("tunelab-model/adapter/adapter_model.safetensors")?;
    let merged = read("tunelab-model/model.safetensors")?;
    println!(
        "e2e: LoRA export: merged weights {} bytes, adapter {} bytes, adapter_config {config}",
        merged.len(),
        weights.len()
    );
    if config["peft_type"] != "LORA" || config["r"] != 8 || config["task_type"] != "SEQ_CLS" {
        return Err(format!("adapter_config.json is not peft's for r = 8 on SEQ_CLS: {config}"));
    }
    if config["base_model_name_or_path"] != "sentence-transformers/all-MiniLM-L6-v2" {
        return Err(format!("adapter_config.json does not name the base model the run started from: {config}"));
    }
    // The adapters and the head in f32, with safetensors' header.
    if weights.len() < 74_498 * 4 || weights.len() > 74_498 * 4 + 16_384 {
        return Err(format!("adapter_model.safetensors is {} bytes for 74,498 parameters", weights.len()));
    }
    let snippet = page.text("#export-load-peft").await?;
    page.screenshot_at("lora-keep-it", "#export-load-peft").await?;
    if !snippet.contains(r#"PeftModel.from_pretrained(base, "tunelab-model/adapter")"#) {
        return Err(format!("the peft snippet does not load the adapter folder: {snippet}"));
    }
    python_project(page, &downloads).await?;
    onnx_folder(page, &downloads).await
}

/// "Take it further": the run as a Python project whose train.py carries the LoRA settings.
async fn python_project(page: &Page, downloads: &Path) -> Result<(), String> {
    let _ = std::fs::remove_file(downloads.join("tunelab-project.zip"));
    page.click("#export-project").await?;
    page.wait_for("the project note", "#export-project-note", Duration::from_secs(120)).await?;
    let zip = downloaded(downloads, "tunelab-project.zip", Duration::from_secs(60)).await?;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&zip)).map_err(|e| e.to_string())?;
    let mut names: Vec<String> = archive.file_names().map(str::to_string).collect();
    names.sort();
    println!("e2e: Python project: {names:?}");
    for expected in
        ["train.py", "requirements.txt", "README.md", "tokenizer.json", "data/train.jsonl", "initial_head.safetensors"]
    {
        if !names.contains(&format!("tunelab-project/{expected}")) {
            return Err(format!("the project lacks {expected}: {names:?}"));
        }
    }
    let mut script = String::new();
    archive
        .by_name("tunelab-project/train.py")
        .map_err(|e| e.to_string())?
        .read_to_string(&mut script)
        .map_err(|e| e.to_string())?;
    if !script.contains(r#""lora_rank": 8"#)
        || !script.contains(r#""base_model": "sentence-transformers/all-MiniLM-L6-v2""#)
    {
        return Err("train.py does not carry the run's LoRA rank and base model".to_string());
    }
    Ok(())
}

/// "For a web page": the ONNX zip holds the five files Transformers.js loads, the int8 graph
/// is the smaller one, and the snippet names the classification pipeline and the folder.
async fn onnx_folder(page: &Page, downloads: &Path) -> Result<(), String> {
    let _ = std::fs::remove_file(downloads.join("tunelab-model-onnx.zip"));
    page.click("#export-onnx").await?;
    page.wait_for("the ONNX note", "#export-onnx-note", Duration::from_secs(300)).await?;
    let zip = downloaded(downloads, "tunelab-model-onnx.zip", Duration::from_secs(120)).await?;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&zip)).map_err(|e| e.to_string())?;
    let mut size = |name: &str| -> Result<u64, String> {
        let entry = archive
            .by_name(&format!("tunelab-model-onnx/{name}"))
            .map_err(|e| format!("the ONNX zip has no {name}: {e}"))?;
        Ok(entry.size())
    };
    for name in ["config.json", "tokenizer.json", "tokenizer_config.json"] {
        size(name)?;
    }
    let (fp32, int8) = (size("onnx/model.onnx")?, size("onnx/model_quantized.onnx")?);
    println!("e2e: ONNX export: model.onnx {fp32} bytes, model_quantized.onnx {int8} bytes");
    // The merged model's 22.7 M weights in f32, and the int8 graph well under it.
    if fp32 < 22_713_986 * 4 || int8 >= fp32 * 3 / 4 {
        return Err(format!("model.onnx is {fp32} bytes and model_quantized.onnx {int8} bytes"));
    }
    let snippet = page.text("#export-load-onnx").await?;
    page.screenshot_at("lora-onnx", "#export-load-onnx").await?;
    if !snippet.contains(r#"pipeline("text-classification", "tunelab-model-onnx""#) {
        return Err(format!("the Transformers.js snippet does not load the ONNX folder: {snippet}"));
    }
    Ok(())
}
