//! Lessons: they travel in links and lesson files and are checked like links; the guide walks
//! the steps in order and tells an epoch in words; small data gets settings that learn.

use tunelab::core::data::{Examples, NerExample};
use tunelab::core::evaluate::{EvalReport, Predictions};
use tunelab::core::metrics::{entity_report, EntityMode};
use tunelab::core::model::Task;
use tunelab::core::train::{small_data_advice, EpochSummary, Field, TrainConfig};
use tunelab::i18n::Language;
use tunelab::share::guide::{epoch_story, zero_score_advice};
use tunelab::share::{
    decode_file, decode_fragment, encode_file, encode_fragment, Access, Goal, GuideStep, Lesson, LessonError,
    LinkError, Progress, SettingRule,
};

use crate::share::{conll_sentences, link};

fn lesson() -> Lesson {
    Lesson {
        title: "Learning rate".into(),
        instructions: "Train once.\nLook at the loss.\n\n  Then try <b>more</b> epochs.  \n\n\n".into(),
        rules: vec![
            SettingRule {
                field: Field::LearningRate,
                access: Access::Locked,
                reason: "we compare epochs today".into(),
            },
            SettingRule { field: Field::BatchSize, access: Access::Hidden, reason: String::new() },
        ],
        goal: Some(Goal { at_least: 0.5 }),
        guide: vec![GuideStep::Train, GuideStep::Data, GuideStep::HandIn, GuideStep::Train],
    }
}

#[test]
fn a_lesson_travels_in_a_link_and_in_a_file_unchanged() {
    let mut original = link(conll_sentences(20));
    original.lesson = Some(lesson());
    assert_eq!(decode_fragment(&encode_fragment(&original)).expect("link"), original);
    let file = encode_file(&original);
    assert!(file.contains("\"format\": \"tunelab-lesson/1\""), "{file}");
    assert_eq!(decode_file(file.as_bytes()).expect("file"), original);
    assert_eq!(original.id(), decode_file(file.as_bytes()).expect("file").id(), "the id survives the trip");
    let mut other = original.clone();
    other.settings.epochs += 1;
    assert_ne!(original.id(), other.id());
}

#[test]
fn lesson_files_and_bad_lessons_are_refused_with_the_reason() {
    let mut run = link(conll_sentences(5));
    assert!(matches!(decode_file(b"{\"task\": \"ner\"}"), Err(LinkError::NotALessonFile)));
    assert!(matches!(decode_file(b"not json"), Err(LinkError::Contents(_))));
    let mut bad = lesson();
    bad.goal = Some(Goal { at_least: 50.0 });
    run.lesson = Some(bad);
    let text = encode_file(&run);
    assert_eq!(decode_file(text.as_bytes()), Err(LinkError::Lesson(LessonError::Goal(50.0))));
    assert_eq!(decode_fragment(&encode_fragment(&run)), Err(LinkError::Lesson(LessonError::Goal(50.0))));
    let mut twice = lesson();
    twice.rules.push(SettingRule { field: Field::LearningRate, access: Access::Hidden, reason: String::new() });
    assert_eq!(twice.check(), Err(LessonError::TwiceRuled("learning-rate")));
    let untitled = Lesson { title: "  ".into(), ..lesson() };
    assert_eq!(untitled.check(), Err(LessonError::NoTitle));
    let message = LinkError::Lesson(LessonError::Goal(50.0)).to_string();
    assert!(message.contains("between 0 and 1") && message.contains("50"), "{message}");
}

#[test]
fn rules_paragraphs_and_goals_read_as_the_teacher_wrote_them() {
    let lesson = lesson();
    assert_eq!(lesson.access(Field::LearningRate), Access::Locked);
    assert_eq!(lesson.access(Field::BatchSize), Access::Hidden);
    assert_eq!(lesson.access(Field::Epochs), Access::Shown);
    assert_eq!(lesson.reason(Field::LearningRate), Some("we compare epochs today"));
    assert_eq!(lesson.reason(Field::BatchSize), None, "only locked settings give a reason");
    assert_eq!(lesson.paragraphs(), ["Train once. Look at the loss.", "Then try <b>more</b> epochs."]);
    assert_eq!(lesson.goal_met(None), Some(false));
    assert_eq!(lesson.goal_met(Some(0.49)), Some(false));
    assert_eq!(lesson.goal_met(Some(0.5)), Some(true));
    assert_eq!(Lesson { goal: None, ..lesson.clone() }.goal_met(Some(0.9)), None);
}

#[test]
fn the_guide_walks_its_steps_in_the_pages_order() {
    let lesson = lesson();
    assert_eq!(lesson.steps(), [GuideStep::Data, GuideStep::Train, GuideStep::HandIn]);
    let mut progress = Progress::default();
    assert_eq!(lesson.current_step(progress), 0);
    progress.data_loaded = true;
    progress.run_started = true;
    assert_eq!(lesson.current_step(progress), 1, "training until the run ends");
    progress.run_ended = true;
    assert_eq!(lesson.current_step(progress), 2);
    progress.handed_in = true;
    assert_eq!(lesson.current_step(progress), 2, "the last step stays once everything is done");
    let all = Lesson { guide: Vec::new(), ..lesson };
    assert_eq!(all.steps(), GuideStep::ALL);
}

fn sentence(tags: &[&str]) -> NerExample {
    NerExample {
        tokens: tags.iter().map(|_| "w".into()).collect(),
        tags: tags.iter().map(|&t| t.into()).collect(),
        line: 1,
    }
}

/// An epoch whose dev predictions are `pred` against `gold`.
fn epoch(n: usize, loss: f32, gold: &[Vec<&str>], pred: &[Vec<&str>]) -> EpochSummary {
    let default = entity_report(gold, pred, EntityMode::Default).expect("report");
    let strict = entity_report(gold, pred, EntityMode::StrictIob2).expect("report");
    EpochSummary {
        epoch: n,
        train_loss: loss,
        train_seconds: 1.0,
        train_tokens: 10,
        train_sequences: 2,
        dev: Some(EvalReport::Ner { default, strict }),
        dev_predictions: Some(Predictions::Ner(
            pred.iter().map(|p| p.iter().map(|t| t.to_string()).collect()).collect(),
        )),
        elapsed_s: 1.0,
    }
}

#[test]
fn an_epoch_is_told_in_words() {
    let gold = vec![vec!["B-PER", "O", "B-ORG", "I-ORG"], vec!["B-PER", "B-ORG", "O", "B-LOC"]];
    let sample = Examples::Ner(gold.iter().map(|g| sentence(g)).collect());
    let none = vec![vec!["O"; 4], vec!["O"; 4]];
    let first = epoch(1, 2.1, &gold, &none);
    let story = epoch_story(Language::English, Task::Ner, &[first.clone()], Some(2.5), Some(&sample)).expect("a story");
    assert_eq!(
        story,
        "Epoch 1: The loss fell from 2.50 to 2.10; dev entity F1 is 0.00; the model finds no entities yet: it still tags almost every word O."
    );
    let better = vec![vec!["B-PER", "O", "B-LOC", "I-LOC"], vec!["B-PER", "B-LOC", "O", "O"]];
    let second = epoch(2, 0.6, &gold, &better);
    let story = epoch_story(Language::English, Task::Ner, &[first, second], Some(2.5), Some(&sample)).expect("a story");
    assert_eq!(
        // Two of five gold entities found, four predicted: F1 = 2·2 / (5 + 4) = 0.44.
        story,
        "Epoch 2: The loss fell from 2.10 to 0.60; dev entity F1 rose from 0.00 to 0.44; \
         the model now finds most PER entities but misses LOC and ORG, and it confuses ORG with LOC."
    );
    let second = epoch(2, 0.6, &gold, &better);
    let first = epoch(1, 2.1, &gold, &none);
    let story = epoch_story(Language::SimplifiedChinese, Task::Ner, &[first, second], Some(2.5), Some(&sample));
    assert_eq!(
        story.expect("a story"),
        "第 2 轮：损失从 2.10 降到 0.60；验证集实体 F1 值从 0.00 升到 0.44；\
         模型现在能找到大部分 PER 实体，但漏掉了 LOC 和 ORG，并且它会把 ORG 误认为 LOC。"
    );
}

#[test]
fn a_zero_score_is_explained_and_a_real_one_is_not() {
    let gold = vec![vec!["B-PER", "O"]];
    let zero = epoch(3, 0.5, &gold, &[vec!["O", "O"]]);
    let advice = zero_score_advice(Language::English, Task::Ner, &zero, 30).expect("advice");
    assert!(advice.contains("predicts O for every word") && advice.contains("30 optimizer steps"), "{advice}");
    let advice = zero_score_advice(Language::SimplifiedChinese, Task::Ner, &zero, 30).expect("advice");
    assert!(advice.contains("每个词都预测成 O") && advice.contains("“采用适合小数据的设置”"), "{advice}");
    let found = epoch(3, 0.5, &gold, &[vec!["B-PER", "O"]]);
    assert_eq!(zero_score_advice(Language::English, Task::Ner, &found, 30), None);
}

#[test]
fn small_data_gets_more_steps_and_a_higher_rate() {
    let recipe = TrainConfig::default();
    let advice = small_data_advice(&recipe, 120).expect("plans").expect("advice for 120 examples");
    assert_eq!(advice.planned_steps, 24, "8 batches of 16, 3 epochs");
    assert_eq!(advice.suggested.learning_rate, 2e-4);
    assert_eq!(advice.suggested.epochs, 13, "ceil(100 / 8)");
    assert_eq!(advice.suggested_steps, 104);
    assert_eq!(small_data_advice(&advice.suggested, 120).expect("plans"), None, "the suggestion needs no advice");
    assert_eq!(small_data_advice(&recipe, 5_000).expect("plans"), None, "enough data");
    let tiny = small_data_advice(&recipe, 3).expect("plans").expect("advice");
    assert_eq!(tiny.suggested.epochs, 30, "capped");
    let fast = TrainConfig { learning_rate: 5e-4, ..recipe };
    assert_eq!(small_data_advice(&fast, 120).expect("plans").expect("advice").suggested.learning_rate, 5e-4);
}
