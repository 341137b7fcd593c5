//! The data a person chose, kept by the page so that nothing is lost when the worker restarts
//! or the page reloads. Plain data: the data panel fills it, `saved` stores it.

use crate::core::model::Task;
use crate::protocol::DataFile;

#[derive(Debug, Clone, PartialEq)]
pub struct Chosen {
    pub task: Task,
    pub train: DataFile,
    pub dev: Option<DataFile>,
    pub text_column: String,
    pub label_column: String,
}
