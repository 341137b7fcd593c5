//! The built-in sample datasets (web/samples, written for Tunelab by generate.py there).

use crate::core::model::Task;

/// A dataset a first-time visitor can train on without bringing one.
pub struct Sample {
    /// The catalogue key of the button's text.
    pub title: &'static str,
    /// The catalogue key of the button's hover text.
    pub about: &'static str,
    pub task: Task,
    pub file_name: &'static str,
    pub text: &'static str,
}

pub static SAMPLES: [Sample; 3] = [
    Sample {
        title: "data.sample-reviews",
        about: "data.sample-reviews-about",
        task: Task::Cls,
        file_name: "reviews.csv",
        text: include_str!("../../web/samples/reviews.csv"),
    },
    Sample {
        title: "data.sample-entities",
        about: "data.sample-entities-about",
        task: Task::Ner,
        file_name: "entities.conll",
        text: include_str!("../../web/samples/entities.conll"),
    },
    Sample {
        title: "data.sample-entities-zh",
        about: "data.sample-entities-zh-about",
        task: Task::Ner,
        file_name: "entities-zh.json",
        text: include_str!("../../web/samples/entities-zh.json"),
    },
];
