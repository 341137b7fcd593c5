mod activation;
mod export;
mod golden;
mod half_model;
mod loading;
mod model_zip;
mod tokenize;
mod training;
