use std::path::Path;

use serde_json::json;

use super::args::{EvalArgs, TrainArgs};
use super::{device, files, progress::Progress, summary};
use crate::core::data::Examples;
use crate::core::data::{Fractions, TableOptions};
use crate::core::model::Task;
use crate::core::task_model::{LoadOptions, TaskModel};
use crate::core::train::{label_list, train, StopAfter, TrainConfig, TrainEvent};

fn table_options(text_column: &Option<String>, label_column: &Option<String>) -> TableOptions {
    TableOptions { text_column: text_column.clone(), label_column: label_column.clone(), delimiter: None }
}

/// Train/dev/test from the files given, splitting the training file 80/10/10 when no dev file
/// was given.
fn datasets(args: &TrainArgs, task: Task) -> Result<(Examples, Option<Examples>, Option<Examples>), String> {
    let table = table_options(&args.text_column, &args.label_column);
    let read = |p: &Path| files::read_examples(p, task, &table);
    let train = read(&args.train)?;
    let test = args.test.as_deref().map(read).transpose()?;
    if let Some(dev_path) = args.dev.as_deref() {
        let train = train.limit(args.limit);
        let dev = read(dev_path)?;
        files::print_diagnostics(dev_path, &dev.unseen_in(&train));
        return Ok((train, Some(dev), test));
    }
    let fractions = Fractions::DEFAULT;
    let (train, dev, split_test) = train.limit(args.limit).split(fractions, args.seed);
    eprintln!(
        "no --dev given: split {} into {} train / {} dev / {} test (stratified, seed {})",
        args.train.display(),
        train.len(),
        dev.len(),
        split_test.len(),
        args.seed
    );
    Ok((train, Some(dev).filter(|d| !d.is_empty()), test.or(Some(split_test).filter(|t| !t.is_empty()))))
}

pub async fn train_command(args: TrainArgs) -> Result<(), String> {
    let task: Task = args.task.into();
    let files = files::read_model(&args.model)?;
    let (train_set, dev, test) = datasets(&args, task)?;
    let labels = label_list(&train_set);
    let config = TrainConfig {
        epochs: args.epochs,
        learning_rate: args.lr,
        batch_size: args.batch,
        max_len: args.max_len,
        seed: args.seed,
        grad_accumulation: args.grad_accumulation,
        early_stopping_patience: args.early_stopping,
        freeze_embeddings: args.freeze_embeddings,
        group_by_length: args.group_by_length,
        ..TrainConfig::default()
    };
    config.plan(train_set.len()).map_err(|e| e.to_string())?;
    let device = device::open(args.device)?.autodiff();
    let options = LoadOptions {
        task,
        labels: Some(labels),
        max_len: args.max_len,
        dropout: Some(config.dropout),
        seed: args.seed,
    };
    let mut model = TaskModel::load(&files, &options, &device).map_err(|e| format!("{}: {e}", args.model.display()))?;
    if !model.load_report.unexpected.is_empty() {
        eprintln!("note: unused tensors in the checkpoint: {}", model.load_report.unexpected.join(", "));
    }
    eprintln!(
        "{} parameters, {} labels, {} train / {} dev examples, device {:?}",
        model.num_params(),
        model.labels.len(),
        train_set.len(),
        dev.as_ref().map_or(0, Examples::len),
        args.device
    );
    let progress = Progress::new();
    let mut steps = Vec::new();
    let mut on_event = |event: TrainEvent| {
        progress.on_event(&event);
        if let TrainEvent::Step(s) = event {
            steps.push(s);
        }
    };
    let mut control = StopAfter::new(args.max_steps.unwrap_or(usize::MAX));
    let outcome = train(&mut model, &train_set, dev.as_ref(), &config, &mut control, &mut on_event)
        .await
        .map_err(|e| e.to_string())?;

    let dev_report = outcome.epochs.last().and_then(|e| e.dev.clone());
    let test_report = match &test {
        Some(test) => Some(model.evaluate(test, args.batch * 2).await.map_err(|e| e.to_string())?),
        None => None,
    };
    if let Some(dir) = &args.export {
        let exported = model.export().await.map_err(|e| e.to_string())?;
        files::write_model(dir, &exported)?;
        eprintln!("exported to {}", dir.display());
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
        "device_memory_peak_mb": steps.iter().filter_map(|s| s.device_memory_bytes).max().map(|b| b as f64 / MIB),
        "step_times": steps.iter().map(|s| json!({
            "step": s.step, "epoch": s.epoch, "tokens": s.tokens, "elapsed_s": s.elapsed_s, "loss": s.loss,
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

pub async fn eval_command(args: EvalArgs) -> Result<(), String> {
    let files = files::read_model(&args.model)?;
    let task = Task::from_config_json(&files.config_json).ok_or_else(|| {
        format!(
            "{}: config.json names no BertForSequenceClassification or BertForTokenClassification architecture",
            args.model.display()
        )
    })?;
    let device = device::open(args.device)?;
    let options = LoadOptions { task, labels: None, max_len: args.max_len, dropout: None, seed: 0 };
    let model = TaskModel::load(&files, &options, &device).map_err(|e| format!("{}: {e}", args.model.display()))?;
    let data = files::read_examples(&args.data, task, &table_options(&args.text_column, &args.label_column))?;
    let report = model.evaluate(&data, args.batch).await.map_err(|e| e.to_string())?;
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
