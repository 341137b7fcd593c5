mod activation;
mod export;
mod golden;
mod loading;
mod tokenize;
mod training;
