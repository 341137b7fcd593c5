use std::path::Path;

use serde_json::json;

use super::args::{EvalArgs, OnnxArgs, TrainArgs};
use super::error::CliError;
use super::launches::LaunchCounter;
use super::{device, files, progress::Progress, summary};
use crate::core::data::{load_dataset, read_examples, DataSource, Dataset, DatasetOptions, Examples, TableOptions};
use crate::core::graduate::{initial_head, python_project, GraduateError, RunData};
use crate::core::model::{cpu_fused, Task};
use crate::core::onnx::{onnx_folder, OnnxFolder};
use crate::core::task_model::{LoadOptions, ModelFiles, TaskModel};
use crate::core::train::{
    fit_batch, label_list, train, BatchFit, MemoryEstimate, StopAfter, TrainConfig, TrainEvent, TrainedShape,
};
use crate::i18n::Language;

fn table_options(text_column: &Option<String>, label_column: &Option<String>) -> TableOptions {
    TableOptions { text_column: text_column.clone(), label_column: label_column.clone(), delimiter: None }
}

/// Train/dev/test from the files given (core's `load_dataset`), every problem printed under
/// its file's path.
fn datasets(args: &TrainArgs, task: Task) -> Result<Dataset, CliError> {
    let train = files::read_bytes(&args.train)?;
    let dev = args.dev.as_deref().map(files::read_bytes).transpose()?;
    let test = args.test.as_deref().map(files::read_bytes).transpose()?;
    let options = DatasetOptions {
        table: table_options(&args.text_column, &args.label_column),
        limit: args.limit,
        seed: args.settings.0.seed,
    };
    let name = |p: &Path| p.display().to_string();
    let (train_name, dev_name, test_name) =
        (name(&args.train), args.dev.as_deref().map(name), args.test.as_deref().map(name));
    let loaded = load_dataset(
        task,
        DataSource { name: &train_name, bytes: &train },
        dev_name.as_deref().zip(dev.as_deref()).map(|(name, bytes)| DataSource { name, bytes }),
        test_name.as_deref().zip(test.as_deref()).map(|(name, bytes)| DataSource { name, bytes }),
        &options,
    );
    let (dataset, diagnostics) = loaded.inspect_err(|e| files::print_diagnostics(&e.file, &e.diagnostics))?;
    files::print_diagnostics(&train_name, &diagnostics.train);
    for (name, found) in [(dev_name, diagnostics.dev), (test_name, diagnostics.test)] {
        files::print_diagnostics(name.as_deref().unwrap_or_default(), &found);
    }
    if dataset.split {
        eprintln!(
            "no --dev given: split {train_name} into {} train / {} dev / {} test (stratified, seed {})",
            dataset.train.len(),
            dataset.dev.as_ref().map_or(0, Examples::len),
            dataset.test.as_ref().map_or(0, Examples::len),
            args.settings.0.seed
        );
    }
    Ok(dataset)
}

/// The run's device memory, estimated; with `--memory-limit`, a batch that does not fit is cut
/// and accumulation raised to keep the effective batch, and the user is told.
fn plan_memory(model: &TaskModel, config: &mut TrainConfig, limit_mb: Option<u64>) -> Result<MemoryEstimate, CliError> {
    let shape = TrainedShape::new(&model.config, model.task, model.labels.len(), config).on(&model.device);
    let mb = |bytes: u64| bytes as f64 / MIB;
    let wanted = shape.estimate(config.batch_size, config.max_len);
    let estimate = match limit_mb.map(|limit| (limit, fit_batch(&shape, config, limit * MIB as u64))) {
        None | Some((_, BatchFit::Fits(_))) => wanted,
        Some((limit, BatchFit::Shrunk { batch, grad_accumulation, estimate })) => {
            eprintln!(
                "batch {} × length {} needs about {:.0} MB, more than the {limit} MB limit allows: training with \
                 batch {batch} and {grad_accumulation}× gradient accumulation instead (the same effective batch)",
                config.batch_size,
                config.max_len,
                mb(wanted.total()),
            );
            *config = config.clone().with_batch(batch, grad_accumulation);
            estimate
        }
        Some((limit, BatchFit::TooLarge(estimate))) => {
            return Err(CliError::MemoryLimit { needed_mb: mb(estimate.total()), limit_mb: limit })
        }
    };
    eprintln!(
        "device memory: about {:.0} MB (weights {:.0}, gradients {:.0}, optimizer {:.0}, activations {:.0})",
        mb(estimate.total()),
        mb(estimate.weights),
        mb(estimate.gradients),
        mb(estimate.optimizer_state),
        mb(estimate.activations)
    );
    Ok(estimate)
}

pub async fn train_command(args: TrainArgs) -> Result<(), CliError> {
    let task: Task = args.task.into();
    let files = match args.from_config {
        true => files::read_model_from_config(&args.model, args.settings.0.seed)?,
        false => files::read_model(&args.model)?,
    };
    let Dataset { train: train_set, dev, test, .. } = datasets(&args, task)?;
    let labels = label_list(&train_set);
    let mut config = args.settings.0.clone();
    config.plan(train_set.len())?;
    cpu_fused::use_tensor_ops(args.cpu_tensor_ops);
    let device = device::open(args.device)?.autodiff();
    let options = LoadOptions {
        task,
        labels: Some(labels),
        max_len: config.max_len,
        dropout: Some(config.dropout),
        seed: config.seed,
    };
    let mut model = TaskModel::load(&files, &options, &device)
        .map_err(|source| CliError::Model { path: args.model.clone(), source })?;
    if !model.load_report.unexpected.is_empty() {
        eprintln!("note: unused tensors in the checkpoint: {}", model.load_report.unexpected.join(", "));
    }
    eprintln!(
        "{} parameters, {} labels, {} train / {} dev examples, device {}",
        model.num_params(),
        model.labels.len(),
        train_set.len(),
        dev.as_ref().map_or(0, Examples::len),
        device.identity().map_or_else(|| args.device.to_string(), |i| i.name)
    );
    let estimate = plan_memory(&model, &mut config, args.memory_limit)?;
    let head_before = match &args.export_script {
        Some(_) => Some(initial_head(&model).await.map_err(GraduateError::from)?),
        None => None,
    };
    let plan = config.plan(train_set.len())?;
    let progress = Progress::new();
    let mut steps = Vec::new();
    let mut trainable = None;
    let launches = LaunchCounter::start();
    let mut on_event = |event: TrainEvent| {
        progress.on_event(&event);
        match event {
            TrainEvent::Step(s) => steps.push((s, launches.take())),
            TrainEvent::Started { trainable_parameters, .. } => trainable = Some(trainable_parameters),
            _ => {}
        }
    };
    let mut control = StopAfter::new(args.max_steps.unwrap_or(usize::MAX));
    let outcome = train(&mut model, &train_set, dev.as_ref(), &plan, &mut control, &mut on_event).await?;

    let dev_report = outcome.epochs.last().and_then(|e| e.dev.clone());
    let test_report = match &test {
        Some(test) => Some(model.evaluate(test, config.batch_size * 2).await?),
        None => None,
    };
    if let Some(dir) = &args.export {
        let exported = model.export().await.map_err(CliError::Export)?;
        files::write_model(dir, &exported)?;
        eprintln!("exported to {}", dir.display());
        let base = std::fs::canonicalize(&args.model).unwrap_or_else(|_| args.model.clone());
        if let Some(adapter) = model.export_adapter(Some(&base.to_string_lossy())).await.map_err(CliError::Export)? {
            let adapter_dir = dir.join(crate::core::model_zip::ADAPTER_FOLDER);
            files::write_adapter(&adapter_dir, &adapter)?;
            eprintln!("LoRA adapter (peft) in {}", adapter_dir.display());
        }
        if args.onnx {
            write_onnx(dir, &exported)?;
        }
    }
    if let Some(dir) = &args.export_script {
        let base = std::fs::canonicalize(&args.model).unwrap_or_else(|_| args.model.clone());
        let data = RunData { train: &train_set, dev: dev.as_ref(), test: test.as_ref() };
        let project = python_project(&model, &config, &base.to_string_lossy(), data, head_before, Language::English)?;
        files::write_files(dir, &project)?;
        eprintln!("Python project in {} (python train.py; accelerate launch train.py)", dir.display());
    }
    if !args.json {
        if let Some(r) = &dev_report {
            summary::print_report("dev", r);
        }
        if let Some(r) = &test_report {
            summary::print_report("test", r);
        }
        println!(
            "\ntrained {} steps in {:.1} s, {:.0} tokens/s",
            outcome.steps, outcome.train_seconds, outcome.train_tokens_per_s
        );
        return Ok(());
    }
    let result = json!({
        "task": task,
        "n_train": train_set.len(),
        "n_dev": dev.as_ref().map_or(0, Examples::len),
        "n_test": test.as_ref().map_or(0, Examples::len),
        "labels": model.labels,
        "steps": outcome.steps,
        "truncated_examples": outcome.truncated_examples,
        "train_seconds": outcome.train_seconds,
        "train_tokens_per_s": outcome.train_tokens_per_s,
        "peak_rss_mb": peak_rss_mb(),
        "device_name": device.identity().map(|i| i.name),
        "batch": config.batch_size,
        "grad_accumulation": config.grad_accumulation,
        "memory_estimate_mb": estimate.total() as f64 / MIB,
        "optimizer_state_mb": estimate.optimizer_state as f64 / MIB,
        "parameters": model.num_params(),
        "trainable_parameters": trainable,
        "device_memory_peak_mb": steps.iter().filter_map(|(s, _)| s.device_memory_bytes).max().map(|b| b as f64 / MIB),
        "step_times": steps.iter().map(|(s, launches)| json!({
            "step": s.step, "epoch": s.epoch, "tokens": s.tokens, "elapsed_s": s.elapsed_s, "loss": s.loss,
            "kernel_launches": launches,
        })).collect::<Vec<_>>(),
        "epochs": outcome.epochs.iter().map(|e| json!({
            "epoch": e.epoch,
            "train_loss": e.train_loss,
            "train_seconds": e.train_seconds,
            "train_tokens": e.train_tokens,
            "train_sequences": e.train_sequences,
            "dev": e.dev.as_ref().map(summary::metrics_json),
        })).collect::<Vec<_>>(),
        "metrics": dev_report.as_ref().map(summary::metrics_json),
        "test_metrics": test_report.as_ref().map(summary::metrics_json),
    });
    println!("{result}");
    Ok(())
}

pub async fn eval_command(args: EvalArgs) -> Result<(), CliError> {
    let files = files::read_model(&args.model)?;
    let task = Task::from_config_json(&files.config_json)
        .ok_or_else(|| CliError::NotFineTuned { path: args.model.clone() })?;
    let device = device::open(args.device)?;
    let options = LoadOptions { task, labels: None, max_len: args.max_len, dropout: None, seed: 0 };
    let model = TaskModel::load(&files, &options, &device)
        .map_err(|source| CliError::Model { path: args.model.clone(), source })?;
    let bytes = files::read_bytes(&args.data)?;
    let name = args.data.display().to_string();
    let table = table_options(&args.text_column, &args.label_column);
    let (data, diagnostics) = read_examples(task, DataSource { name: &name, bytes: &bytes }, &table)
        .inspect_err(|e| files::print_diagnostics(&e.file, &e.diagnostics))?;
    files::print_diagnostics(&name, &diagnostics);
    let report = model.evaluate(&data, args.batch).await?;
    if args.json {
        println!("{}", json!({ "task": task, "n": data.len(), "metrics": summary::metrics_json(&report) }));
    } else {
        summary::print_report(&format!("{} on {}", args.model.display(), args.data.display()), &report);
    }
    Ok(())
}

const MIB: f64 = 1024.0 * 1024.0;

/// The process's resident-memory high-water mark (Linux `VmHWM`), in MiB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

pub fn onnx_command(args: OnnxArgs) -> Result<(), CliError> {
    let files = files::read_model(&args.model)?;
    write_onnx(args.out.as_ref().unwrap_or(&args.model), &files)
}

/// The Transformers.js folder of `files` in `dir`, with the two graphs' sizes on stderr.
fn write_onnx(dir: &Path, files: &ModelFiles) -> Result<(), CliError> {
    let folder = onnx_folder(files)?;
    files::write_folder(dir, folder.files())?;
    eprintln!(
        "ONNX for Transformers.js in {}: {} {:.1} MB, {} {:.1} MB",
        dir.display(),
        OnnxFolder::MODEL,
        folder.model_onnx.len() as f64 / MIB,
        OnnxFolder::MODEL_QUANTIZED,
        folder.model_quantized_onnx.len() as f64 / MIB
    );
    Ok(())
}
