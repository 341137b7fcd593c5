mod export;
mod golden;
mod loading;
mod training;
