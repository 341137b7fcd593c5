//! The built-in sample datasets (web/samples, written for Tunelab by generate.py there).

use crate::core::model::Task;

/// A dataset a first-time visitor can train on without bringing one.
pub struct Sample {
    pub title: &'static str,
    pub about: &'static str,
    pub task: Task,
    pub file_name: &'static str,
    pub text: &'static str,
}

pub static SAMPLES: [Sample; 3] = [
    Sample {
        title: "Product reviews",
        about: "300 short English reviews labelled positive or negative",
        task: Task::Cls,
        file_name: "reviews.csv",
        text: include_str!("../../web/samples/reviews.csv"),
    },
    Sample {
        title: "People, places, organisations",
        about: "300 short English sentences with PER, LOC and ORG entities (CoNLL)",
        task: Task::Ner,
        file_name: "entities.conll",
        text: include_str!("../../web/samples/entities.conll"),
    },
    Sample {
        title: "人物、地点、机构 (Chinese entities)",
        about: "300 short Simplified Chinese sentences with name, address, company and organization entities (CLUENER's JSON)",
        task: Task::Ner,
        file_name: "entities-zh.json",
        text: include_str!("../../web/samples/entities-zh.json"),
    },
];
