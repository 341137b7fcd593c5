//! A LoRA adapter as a `peft` folder: `adapter_config.json` and `adapter_model.safetensors`,
//! which `PeftModel.from_pretrained(base, folder)` loads onto the base model the run started
//! from. The task head travels in it too, as peft's `modules_to_save`.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::classifier::{Classifier, Task};
use super::lora::{LoraTarget, LowRank};
use super::weights::{WeightMap, WeightWriter};
use super::ModelError;

/// The bytes of a peft adapter folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdapterFiles {
    #[serde(with = "serde_bytes")]
    pub config_json: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub adapter_safetensors: Vec<u8>,
}

impl AdapterFiles {
    pub const CONFIG: &'static str = "adapter_config.json";
    pub const WEIGHTS: &'static str = "adapter_model.safetensors";
}

/// peft names every tensor from the wrapped model: `base_model.model.` + the transformers name.
const PREFIX: &str = "base_model.model.";

fn adapter_name(layer: usize, target: LoraTarget) -> String {
    format!("{PREFIX}bert.encoder.layer.{layer}.{}", target.path())
}

fn peft_task_type(task: Task) -> &'static str {
    match task {
        Task::Cls => "SEQ_CLS",
        Task::Ner => "TOKEN_CLS",
    }
}

/// The model's adapters as a peft folder; `None` when it has none. `base_model` is the base's
/// Hub id, when it came from the Hub.
pub async fn adapter_files(model: &Classifier, base_model: Option<&str>) -> Result<Option<AdapterFiles>, ModelError> {
    let Some(spec) = model.lora_spec() else {
        return Ok(None);
    };
    let mut out = WeightWriter::default();
    for (i, layer) in model.bert.layers.iter().enumerate() {
        for target in LoraTarget::ALL {
            if let Some(lora) = &layer.projection(target).lora {
                let name = adapter_name(i, target);
                out.tensor(format!("{name}.lora_A.weight"), lora.down.val().transpose()).await?;
                out.tensor(format!("{name}.lora_B.weight"), lora.up.val().transpose()).await?;
            }
        }
    }
    out.linear(&format!("{PREFIX}classifier"), &model.classifier).await?;
    let config = serde_json::json!({
        "peft_type": "LORA",
        "task_type": peft_task_type(model.task),
        "base_model_name_or_path": base_model,
        "r": spec.rank,
        "lora_alpha": spec.alpha,
        "lora_dropout": spec.dropout,
        "target_modules": spec.targets.iter().map(|t| t.peft_name()).collect::<Vec<_>>(),
        "modules_to_save": ["classifier"],
        "bias": "none",
        "fan_in_fan_out": false,
        "init_lora_weights": true,
        "inference_mode": true,
        "use_rslora": false,
        "use_dora": false,
    });
    Ok(Some(AdapterFiles {
        config_json: serde_json::to_string_pretty(&config).unwrap_or_default().into_bytes(),
        adapter_safetensors: out.into_safetensors()?,
    }))
}

/// Puts the adapters of a peft folder (one Tunelab wrote) onto `model`, and its head.
pub fn attach_adapter(model: &mut Classifier, files: &AdapterFiles, device: &Device) -> Result<(), ModelError> {
    let damaged = |what: String| ModelError::Adapter(what);
    let config: serde_json::Value = serde_json::from_slice(&files.config_json)
        .map_err(|e| damaged(format!("{} is not valid JSON: {e}", AdapterFiles::CONFIG)))?;
    if config["peft_type"].as_str() != Some("LORA") {
        return Err(damaged(format!(
            "{} is not a LoRA adapter (peft_type {})",
            AdapterFiles::CONFIG,
            config["peft_type"]
        )));
    }
    let alpha =
        config["lora_alpha"].as_f64().ok_or_else(|| damaged(format!("{} has no lora_alpha", AdapterFiles::CONFIG)))?;
    let dropout = config["lora_dropout"].as_f64().unwrap_or(0.0);
    let mut weights = WeightMap::from_safetensors(&files.adapter_safetensors)?;
    let layers = model.bert.layers.len();
    for (i, layer) in model.bert.layers.iter_mut().enumerate() {
        for target in LoraTarget::ALL {
            let name = adapter_name(i, target);
            let Some(shape) = weights.shape(&format!("{name}.lora_A.weight")) else {
                continue;
            };
            let (d_in, d_out) =
                (layer.projection(target).linear.weight.dims()[0], layer.projection(target).linear.weight.dims()[1]);
            let rank = shape[0];
            let a = weights.take(&format!("{name}.lora_A.weight"), &[rank, d_in])?;
            let b = weights.take(&format!("{name}.lora_B.weight"), &[d_out, rank])?;
            layer.projection_mut(target).lora = Some(LowRank::from_peft(&a, &b, alpha, dropout, device));
        }
    }
    let h = model.bert.embeddings.word.weight.dims()[1];
    let labels = model.num_labels();
    let weight = weights.take(&format!("{PREFIX}classifier.weight"), &[labels, h])?;
    let bias = weights.take(&format!("{PREFIX}classifier.bias"), &[labels])?;
    model.classifier = super::weights::linear_from_hf(&weight, &bias, device);
    let unexpected = weights.unexpected();
    if !unexpected.is_empty() {
        return Err(damaged(format!(
            "{} has tensors no layer of this {layers}-layer model takes: {}",
            AdapterFiles::WEIGHTS,
            unexpected.join(", ")
        )));
    }
    Ok(())
}
