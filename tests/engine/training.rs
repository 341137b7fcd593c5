//! The recipe's pieces and the loop's contract: schedule, decay exemption, clipping, events,
//! cancellation.

use burn::module::Param;
use burn::nn::Linear;
use burn::optim::GradientsParams;
use burn::prelude::*;
use tunelab::core::data::parse_ner;
use tunelab::core::data::Examples;
use tunelab::core::evaluate::EvalReport;
use tunelab::core::model::Task;
use tunelab::core::task_model::{LoadOptions, TaskModel};
use tunelab::core::train::batch::group_by_length;
use tunelab::core::train::{
    bias_and_norm_params, global_grad_norm, label_list, train, AdamW, AdamWSettings, ConfigError, Field, RunToEnd,
    StopAfter, TrainConfig, TrainError, TrainEvent, TrainOutcome, DIVERGED_LOSS,
};

use crate::support::{model_files, read_f32, shared};

#[test]
fn schedule_warms_up_then_decays_to_zero() {
    let plan = TrainConfig::default().plan(100).expect("plan");
    assert_eq!((plan.batches_per_epoch, plan.total_steps, plan.warmup_steps), (7, 21, 3));
    let lr = |s| plan.learning_rate(s);
    assert_eq!(lr(0), 0.0);
    assert!((lr(1) - 5e-5 / 3.0).abs() < 1e-15);
    assert!((lr(3) - 5e-5).abs() < 1e-15);
    assert!((lr(12) - 5e-5 * 9.0 / 18.0).abs() < 1e-15);
    assert_eq!(lr(21), 0.0);
    assert!((3..21).all(|s| lr(s + 1) < lr(s)));
}

#[test]
fn accumulation_divides_the_steps() {
    let config = TrainConfig { grad_accumulation: 2, epochs: 2, ..TrainConfig::default() };
    let plan = config.plan(100).expect("plan");
    assert_eq!((plan.steps_per_epoch, plan.total_steps, plan.warmup_steps), (4, 8, 1));
}

#[test]
fn invalid_settings_are_named() {
    for (config, field) in [
        (TrainConfig { batch_size: 0, ..TrainConfig::default() }, Field::BatchSize),
        (TrainConfig { learning_rate: -1.0, ..TrainConfig::default() }, Field::LearningRate),
        (TrainConfig { max_len: 4, ..TrainConfig::default() }, Field::MaxLen),
        (TrainConfig { dropout: 1.0, ..TrainConfig::default() }, Field::Dropout),
        (TrainConfig { early_stopping_patience: Some(0), ..TrainConfig::default() }, Field::EarlyStoppingPatience),
        (TrainConfig { seed: 1 << 32, ..TrainConfig::default() }, Field::Seed),
        (TrainConfig { epsilon: 0.0, ..TrainConfig::default() }, Field::Epsilon),
    ] {
        let err = config.plan(10).expect_err("out of bounds");
        assert_eq!(err.field(), Some(field), "{err}");
        assert!(err.to_string().starts_with(&field.setting().label(tunelab::i18n::Language::English)), "{err}");
    }
    assert_eq!(TrainConfig::default().plan(0).expect_err("empty"), ConfigError::NoTrainingExamples);
}

#[test]
fn biases_and_layer_norms_are_exempt_from_decay() {
    let options = LoadOptions {
        task: Task::Cls,
        labels: Some(vec!["a".into(), "b".into()]),
        max_len: 32,
        dropout: None,
        seed: 1,
    };
    let model = TaskModel::load(&model_files(), &options, &Device::flex()).expect("load");
    let exempt = bias_and_norm_params(&model.model);
    // Embedding LayerNorm 2 + per layer (6 biases + 2 LayerNorms × 2) × 6 + pooler bias + head bias.
    assert_eq!(exempt.len(), 2 + 10 * 6 + 1 + 1);
    assert!(exempt.contains(&model.model.classifier.bias.as_ref().expect("bias").id));
    assert!(exempt.contains(&model.model.bert.embeddings.layer_norm.gamma.id));
    assert!(!exempt.contains(&model.model.classifier.weight.id));
    assert!(!exempt.contains(&model.model.bert.embeddings.word.weight.id));
}

#[test]
fn gradient_norm_is_taken_over_all_parameters() {
    let device = Device::flex().autodiff();
    let weight = Tensor::<2>::from_data(TensorData::new(vec![1.0f32, 1.0], [2, 1]), &device).require_grad();
    let bias = Tensor::<1>::from_data(TensorData::new(vec![0.0f32], [1]), &device).require_grad();
    let linear = Linear { weight: Param::from_tensor(weight), bias: Some(Param::from_tensor(bias)) };
    // d/dw sum(x·w + b) = x = (2, 2); d/db = 1 → global norm sqrt(4 + 4 + 1) = 3.
    let x = Tensor::<2>::from_data(TensorData::new(vec![2.0f32, 2.0], [1, 2]), &device);
    let loss = linear.forward(x).sum();
    let grads = GradientsParams::from_grads(loss.backward(), &linear);
    let norm = global_grad_norm(&linear, &grads).expect("norm");
    assert!((read_f32(norm)[0] - 3.0).abs() < 1e-6);
}

/// The fused CPU update (host vectors) and the tensor-op update (what GPUs run) are the same
/// AdamW: three clipped, decayed steps (bias exempt) give the same parameters.
#[test]
fn the_fused_host_update_matches_the_tensor_update() {
    let device = Device::flex().autodiff();
    let values =
        |n: usize, scale: f32| (0..n).map(|i| ((i * 37 % 101) as f32 / 101.0 - 0.5) * scale).collect::<Vec<_>>();
    let weight = Tensor::<2>::from_data(TensorData::new(values(48 * 16, 0.2), [48, 16]), &device).require_grad();
    let bias = Tensor::<1>::from_data(TensorData::new(values(16, 0.1), [16]), &device).require_grad();
    let start = Linear { weight: Param::from_tensor(weight), bias: Some(Param::from_tensor(bias)) };
    let x = Tensor::<2>::from_data(TensorData::new(values(8 * 48, 3.0), [8, 48]), &device);
    let settings = AdamWSettings { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weight_decay: 0.01, max_grad_norm: 1.0 };
    let no_decay = bias_and_norm_params(&start);
    let train = |fused: bool| {
        let mut optimizer = AdamW::new(settings, no_decay.clone()).fused_on_host(fused);
        let mut linear = start.clone();
        for _ in 0..3 {
            let loss = linear.forward(x.clone()).powf_scalar(2.0).sum();
            let grads = GradientsParams::from_grads(loss.backward(), &linear);
            assert!(read_f32(global_grad_norm(&linear, &grads).expect("norm"))[0] > 1.0, "clipping is not exercised");
            linear = optimizer.step(linear, grads, 1e-2).expect("step");
        }
        (read_f32(linear.weight.val()), read_f32(linear.bias.as_ref().expect("bias").val()))
    };
    let (fused, tensors) = (train(true), train(false));
    let max_diff = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
    assert!(max_diff(&fused.0, &read_f32(start.weight.val())) > 1e-3, "the weights did not move");
    assert!(max_diff(&fused.0, &tensors.0) < 1e-6, "weights differ by {}", max_diff(&fused.0, &tensors.0));
    assert!(max_diff(&fused.1, &tensors.1) < 1e-6, "biases differ by {}", max_diff(&fused.1, &tensors.1));
}

#[test]
fn grouping_by_length_sorts_each_megabatch_and_keeps_every_example() {
    let lengths: Vec<usize> = (0..200).map(|i| (i * 7919) % 97 + 3).collect();
    let order: Vec<usize> = (0..200).rev().collect();
    let grouped = group_by_length(&order, &lengths, 4);
    let sorted = |v: &[usize]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v
    };
    assert_eq!(sorted(&grouped), (0..200).collect::<Vec<_>>());
    // HF: megabatches of min(200 / (4·4), 50) = 12 batches, longest first within each.
    for (chunk, original) in grouped.chunks(48).zip(order.chunks(48)) {
        assert!(chunk.windows(2).all(|w| lengths[w[0]] >= lengths[w[1]]));
        assert_eq!(sorted(chunk), sorted(original));
    }
    let padded = |order: &[usize]| -> usize {
        order.chunks(4).map(|b| 4 * b.iter().map(|&i| lengths[i]).max().unwrap_or(0)).sum()
    };
    assert!(padded(&grouped) < padded(&order) * 3 / 4, "{} vs {}", padded(&grouped), padded(&order));
}

fn wnut_slice(n: usize) -> Examples {
    let bytes = std::fs::read(shared("data/wnut17/train.conll")).expect("wnut17");
    let parsed = parse_ner(&bytes, "train.conll");
    Examples::Ner(parsed.value.examples.into_iter().take(n).collect())
}

fn ner_model(train: &Examples) -> TaskModel {
    let options =
        LoadOptions { task: Task::Ner, labels: Some(label_list(train)), max_len: 64, dropout: Some(0.1), seed: 42 };
    TaskModel::load(&model_files(), &options, &Device::flex().autodiff()).expect("load")
}

#[test]
fn training_reports_steps_and_dev_metrics() {
    let train_set = wnut_slice(24);
    let dev = wnut_slice(8);
    let mut model = ner_model(&train_set);
    let config = TrainConfig { epochs: 1, batch_size: 8, max_len: 64, ..TrainConfig::default() };
    let mut events = Vec::new();
    let outcome = pollster::block_on(train(
        &mut model,
        &train_set,
        Some(&dev),
        &config.plan(train_set.len()).expect("plan"),
        &mut RunToEnd,
        &mut |e| events.push(e),
    ))
    .expect("train");
    assert_eq!(outcome.steps, 3);
    assert!(matches!(events.first(), Some(TrainEvent::Started { .. })));
    let steps: Vec<_> =
        events.iter().filter_map(|e| if let TrainEvent::Step(s) = e { Some(s.clone()) } else { None }).collect();
    assert_eq!(steps.len(), 3);
    assert!(steps.iter().all(|s| s.loss.is_finite() && s.loss > 0.0 && s.tokens_per_s > 0.0));
    assert!(steps.windows(2).all(|w| w[1].tokens > w[0].tokens), "tokens are counted cumulatively");
    assert_eq!(steps[0].device_memory_bytes, None, "flex reports no allocator state");
    assert_eq!(steps[0].learning_rate, 0.0, "the first step of a warmup uses lr 0, as HF's scheduler");
    let epoch = events
        .iter()
        .find_map(|e| if let TrainEvent::Epoch(s) = e { Some(s.clone()) } else { None })
        .expect("epoch event");
    let Some(EvalReport::Ner { default, strict }) = epoch.dev else { panic!("no NER dev report") };
    assert!((0.0..=1.0).contains(&default.micro_avg.f1) && (0.0..=1.0).contains(&strict.micro_avg.f1));
    assert!(matches!(events.last(), Some(TrainEvent::Finished { steps: 3, .. })));
    let words = vec!["Barack".to_string(), "Obama".into(), "visited".into(), "London".into()];
    let predicted = pollster::block_on(model.predict_words(&[words], 4)).expect("predict");
    assert_eq!(predicted[0].len(), 4);
    assert!(predicted[0].iter().all(|w| w.label < model.labels.len() && (0.0..=1.0).contains(&w.probability)));
}

#[test]
fn a_stop_request_ends_training_after_the_current_step() {
    let train_set = wnut_slice(32);
    let mut model = ner_model(&train_set);
    let config = TrainConfig { epochs: 2, batch_size: 8, max_len: 64, ..TrainConfig::default() };
    let mut events = Vec::new();
    let outcome = pollster::block_on(train(
        &mut model,
        &train_set,
        None,
        &config.plan(train_set.len()).expect("plan"),
        &mut StopAfter::new(2),
        &mut |e| events.push(e),
    ))
    .expect("train");
    assert!(outcome.cancelled);
    assert_eq!(outcome.steps, 2);
    assert!(matches!(events.last(), Some(TrainEvent::Cancelled { step: 2 })));
}

/// Trains on `train_set` to the end, without dev data or events.
fn train_to_end(model: &mut TaskModel, train_set: &Examples, config: &TrainConfig) -> TrainOutcome {
    let plan = config.plan(train_set.len()).expect("plan");
    pollster::block_on(train(model, train_set, None, &plan, &mut RunToEnd, &mut |_| {})).expect("train")
}

#[test]
fn accumulated_batches_make_one_step() {
    let train_set = wnut_slice(16);
    let mut model = ner_model(&train_set);
    let config = TrainConfig { epochs: 1, batch_size: 4, grad_accumulation: 2, max_len: 32, ..TrainConfig::default() };
    let outcome = train_to_end(&mut model, &train_set, &config);
    assert_eq!(outcome.steps, 2);
}

#[test]
fn frozen_embeddings_stay_as_loaded_and_are_trainable_again_afterwards() {
    let train_set = wnut_slice(16);
    let mut model = ner_model(&train_set);
    let word = |m: &TaskModel| read_f32(m.model.bert.embeddings.word.weight.val());
    let query = |m: &TaskModel| read_f32(m.model.bert.layers[0].attention.query.linear.weight.val());
    let (word_before, query_before) = (word(&model), query(&model));
    let config =
        TrainConfig { epochs: 1, batch_size: 8, max_len: 32, freeze_embeddings: true, ..TrainConfig::default() };
    let outcome = train_to_end(&mut model, &train_set, &config);
    assert_eq!(outcome.steps, 2);
    assert_eq!(word(&model), word_before, "frozen word embeddings changed");
    assert_ne!(query(&model), query_before, "the encoder did not train");
    assert!(model.model.bert.embeddings.word.weight.val().is_require_grad(), "embeddings stayed frozen");
    let config = TrainConfig { freeze_embeddings: false, ..config };
    train_to_end(&mut model, &train_set, &config);
    assert_ne!(word(&model), word_before, "unfrozen word embeddings did not train");
}

#[test]
fn frozen_bottom_layers_stay_as_loaded_and_the_layers_above_train() {
    let train_set = wnut_slice(16);
    let mut model = ner_model(&train_set);
    let query = |m: &TaskModel, layer: usize| read_f32(m.model.bert.layers[layer].attention.query.linear.weight.val());
    let word = |m: &TaskModel| read_f32(m.model.bert.embeddings.word.weight.val());
    let before: Vec<Vec<f32>> = (0..3).map(|l| query(&model, l)).collect();
    let word_before = word(&model);
    let config = TrainConfig { epochs: 1, batch_size: 8, max_len: 32, frozen_layers: 2, ..TrainConfig::default() };
    train_to_end(&mut model, &train_set, &config);
    assert_eq!(query(&model, 0), before[0], "frozen layer 0 changed");
    assert_eq!(query(&model, 1), before[1], "frozen layer 1 changed");
    assert_ne!(query(&model, 2), before[2], "layer 2, above the frozen ones, did not train");
    assert_ne!(word(&model), word_before, "the embeddings are frozen only when asked");
    assert!(model.model.bert.layers[0].attention.query.linear.weight.val().is_require_grad(), "layer 0 stayed frozen");
}

#[test]
fn the_head_only_leaves_the_whole_encoder_as_loaded() {
    let train_set = wnut_slice(16);
    let mut model = ner_model(&train_set);
    let encoder = |m: &TaskModel| {
        let bert = &m.model.bert;
        let mut all = read_f32(bert.embeddings.word.weight.val());
        for layer in &bert.layers {
            all.extend(read_f32(layer.attention.query.linear.weight.val()));
            all.extend(read_f32(layer.output.linear.weight.val()));
        }
        all
    };
    let head = |m: &TaskModel| read_f32(m.model.classifier.weight.val());
    let (encoder_before, head_before) = (encoder(&model), head(&model));
    let config = TrainConfig { epochs: 1, batch_size: 8, max_len: 32, freeze_encoder: true, ..TrainConfig::default() };
    let plan = config.plan(train_set.len()).expect("plan");
    let mut trainable = None;
    let mut on_event = |event: TrainEvent| {
        if let TrainEvent::Started { trainable_parameters, .. } = event {
            trainable = Some(trainable_parameters);
        }
    };
    pollster::block_on(train(&mut model, &train_set, None, &plan, &mut RunToEnd, &mut on_event)).expect("train");
    assert_eq!(encoder(&model), encoder_before, "the frozen encoder changed");
    assert_ne!(head(&model), head_before, "the head did not train");
    let [hidden, labels] = model.model.classifier.weight.val().dims();
    assert_eq!(trainable, Some(hidden * labels + labels), "the run reports the head's weights and biases as trainable");
}

#[test]
fn more_frozen_layers_than_the_model_has_are_refused_before_training() {
    let train_set = wnut_slice(8);
    let mut model = ner_model(&train_set);
    let config = TrainConfig { epochs: 1, batch_size: 8, max_len: 32, frozen_layers: 7, ..TrainConfig::default() };
    let plan = config.plan(train_set.len()).expect("7 is within the settings' bounds");
    let error = pollster::block_on(train(&mut model, &train_set, None, &plan, &mut RunToEnd, &mut |_| {}))
        .expect_err("MiniLM-L6 has 6 layers");
    assert!(matches!(error, TrainError::FrozenLayers { asked: 7, layers: 6 }), "{error:?}");
    assert!(error.to_string().contains("freeze at most 6"), "{error}");
}

#[test]
fn a_run_that_diverges_stops_with_advice_and_keeps_the_last_good_weights() {
    let train_set = wnut_slice(48);
    let config = TrainConfig { epochs: 2, batch_size: 8, max_len: 32, warmup_ratio: 0.0, ..TrainConfig::default() };
    let mut plan = config.plan(train_set.len()).expect("plan");
    // 1e3 is past the settings' bound (1.0): only a plan built by hand reaches the loop with it.
    plan.config.learning_rate = 1e3;
    let mut model = ner_model(&train_set);
    let mut losses = Vec::new();
    let on_event = &mut |e| {
        if let TrainEvent::Step(s) = e {
            losses.push(s.loss)
        }
    };
    let error = pollster::block_on(train(&mut model, &train_set, None, &plan, &mut RunToEnd, on_event))
        .expect_err("a learning rate of 1e3 diverges");
    let message = error.to_string();
    let TrainError::Diverged { step, value, learning_rate } = error else { panic!("not a divergence: {message}") };
    assert!((!value.is_finite() || value > DIVERGED_LOSS) && learning_rate == 1e3, "{message}");
    assert!(message.contains("Lower the learning rate (it is 1000;"), "{message}");
    assert_eq!(losses.len(), step - 1, "every step before the one that diverged was reported");
    assert!(losses.iter().all(|l| l.is_finite() && *l <= DIVERGED_LOSS), "{losses:?}");
    assert!(step >= 2, "the loaded weights gave a finite loss");
    // The weights kept are the ones step - 1 started from: those of a run stopped after step - 2.
    let mut reference = ner_model(&train_set);
    if step > 2 {
        pollster::block_on(train(&mut reference, &train_set, None, &plan, &mut StopAfter::new(step - 2), &mut |_| {}))
            .expect("the first steps are finite");
    }
    let weights = |m: &TaskModel| {
        [
            read_f32(m.model.classifier.weight.val()),
            read_f32(m.model.bert.layers[5].attention.query.linear.weight.val()),
        ]
    };
    assert!(weights(&model) == weights(&reference), "the weights kept are not those of step {}", step - 1);
    let kept = pollster::block_on(model.evaluate(&train_set, 8)).expect("the kept weights still evaluate");
    assert!(matches!(kept, EvalReport::Ner { .. }));
}
