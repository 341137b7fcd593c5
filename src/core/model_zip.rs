//! A model folder as one zip, the form a browser download takes: unzipped, it is the folder
//! `from_pretrained` loads.

use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::model::AdapterFiles;
use super::task_model::ModelFiles;
use crate::i18n::Language;
use crate::tr;

/// Why a zip could not be written or read.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.words(Language::English))]
pub enum ModelZipError {
    /// The zip crate's reason, which stays English.
    Write(String),
    /// The zip's name, and the zip crate's reason.
    Read(String, String),
    Missing {
        zip: String,
        file: &'static str,
    },
}

impl ModelZipError {
    pub fn words(&self, language: Language) -> String {
        match self {
            Self::Write(why) => tr!(language, "core.zip.write", why = why),
            Self::Read(zip, why) => tr!(language, "core.zip.read", zip = zip, why = why),
            Self::Missing { zip, file } => tr!(language, "core.zip.missing", zip = zip, file = file),
        }
    }
}

/// The folder inside an export, beside the model's files, that holds a LoRA run's peft adapter.
pub const ADAPTER_FOLDER: &str = "adapter";

/// The three files under `folder/` in a zip, and a LoRA run's adapter under
/// `folder/adapter/`.
pub fn model_zip(files: &ModelFiles, adapter: Option<&AdapterFiles>, folder: &str) -> Result<Vec<u8>, ModelZipError> {
    let model_files = [
        (ModelFiles::CONFIG.to_string(), &files.config_json),
        (ModelFiles::TOKENIZER.to_string(), &files.tokenizer_json),
        (ModelFiles::WEIGHTS.to_string(), &files.model_safetensors),
    ];
    let adapter_files = adapter.iter().flat_map(|a| {
        [(AdapterFiles::CONFIG, &a.config_json), (AdapterFiles::WEIGHTS, &a.adapter_safetensors)]
            .map(|(name, bytes)| (format!("{ADAPTER_FOLDER}/{name}"), bytes))
    });
    let entries: Vec<(String, &Vec<u8>)> = model_files.into_iter().chain(adapter_files).collect();
    folder_zip(entries.iter().map(|(path, bytes)| (path.as_str(), bytes.as_slice())), folder)
}

/// Files under `folder/` in a zip, by their `/`-separated paths inside it. Stored, not
/// deflated: float weights barely compress, and storing keeps an export of 90 MB instant.
pub fn folder_zip<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    folder: &str,
) -> Result<Vec<u8>, ModelZipError> {
    let write = |e: &dyn std::fmt::Display| ModelZipError::Write(e.to_string());
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let folder = folder.trim_matches('/');
    for (name, bytes) in files {
        // Zip64 only where a file needs it (over 4 GiB); readers handle either.
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .large_file(bytes.len() as u64 >= u32::MAX as u64);
        let path = if folder.is_empty() { name.to_string() } else { format!("{folder}/{name}") };
        zip.start_file(path, options).map_err(|e| write(&e))?;
        zip.write_all(bytes).map_err(|e| write(&e))?;
    }
    Ok(zip.finish().map_err(|e| write(&e))?.into_inner())
}

/// The three files back out of a zip written by [`model_zip`] (or any zip holding one folder
/// of them); `name` is for messages.
pub fn read_model_zip(bytes: &[u8], name: &str) -> Result<ModelFiles, ModelZipError> {
    let read = |e: &dyn std::fmt::Display| ModelZipError::Read(name.to_string(), e.to_string());
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| read(&e))?;
    let mut take = |file: &'static str| -> Result<Vec<u8>, ModelZipError> {
        let index = (0..archive.len())
            .find(|&i| archive.name_for_index(i).is_some_and(|n| n == file || n.ends_with(&format!("/{file}"))))
            .ok_or(ModelZipError::Missing { zip: name.to_string(), file })?;
        let mut entry = archive.by_index(index).map_err(|e| read(&e))?;
        let mut out = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut out).map_err(|e| read(&e))?;
        Ok(out)
    };
    Ok(ModelFiles {
        config_json: take(ModelFiles::CONFIG)?,
        tokenizer_json: take(ModelFiles::TOKENIZER)?,
        model_safetensors: take(ModelFiles::WEIGHTS)?,
    })
}
