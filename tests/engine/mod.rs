mod activation;
mod export;
mod golden;
mod loading;
mod model_zip;
mod tokenize;
mod training;
