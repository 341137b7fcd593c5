//! End to end: the Trunk-built page in headless Chromium, used as a visitor would — load the
//! default model, upload data, train, read the results, try a sentence, export. `cargo xtask
//! test` builds and serves the page and sets TUNELAB_E2E_URL; without it this says it did not
//! run. Screenshots of every stage go to target/e2e/. With TUNELAB_E2E_STARTUP set to a file,
//! it times the page's startup and counts a first and a second visit's bytes instead (`cargo
//! xtask bench`).

mod driver;
mod frozen;
mod kept;
mod languages;
mod lessons;
mod lora;
mod requests;
mod resume;
mod startup;
mod transfer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use driver::{downloaded, Chromedriver, Page};
use requests::RequestLog;
use tunelab::core::model::Task;
use tunelab::core::model_zip::read_model_zip;
use tunelab::core::train::TrainConfig;
use tunelab::share::{decode_file, decode_fragment, encode_fragment, LinkData, RunLink, SharedFile, SharedModel};

const MODEL_LOAD: Duration = Duration::from_secs(600);
pub(crate) const TRAINING: Duration = Duration::from_secs(1800);

fn main() {
    let Ok(url) = std::env::var("TUNELAB_E2E_URL") else {
        println!("e2e: NOT RUN — it needs the built page; `cargo xtask test` builds, serves and runs it");
        return;
    };
    let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let out = std::env::var("TUNELAB_E2E_OUT").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from("target/e2e"));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    if let Ok(path) = std::env::var("TUNELAB_E2E_STARTUP") {
        let runs = std::env::var("TUNELAB_E2E_STARTUP_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
        let measured = runtime.block_on(async {
            std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
            let driver = Chromedriver::start(&chromedriver)?;
            startup::measure(&driver, &url, &out, runs, Path::new(&path)).await?;
            transfer::first_and_second_visit(&driver, &url, &out, None).await
        });
        if let Err(message) = measured {
            eprintln!("e2e startup: FAILED: {message}");
            std::process::exit(1);
        }
        return;
    }
    match runtime.block_on(run(&url, &chromedriver, &out)) {
        Ok(()) => println!("e2e: all flows passed; screenshots in {}", out.display()),
        Err(message) => {
            eprintln!("e2e: FAILED: {message}");
            std::process::exit(1);
        }
    }
}

async fn run(url: &str, chromedriver: &str, out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let data = write_slices(out)?;
    let requests = RequestLog::start()?;
    let driver = Chromedriver::start(chromedriver)?.recording(&requests);
    let page = Page::open(&driver, out, 1280, 800).await?;
    let result = async {
        ner_flow(&page, url, &data).await?;
        share_over_the_cap(&page).await?;
        classification_flow(&page, url, &data).await?;
        share_flow(&page).await?;
        my_runs_flow(&page).await?;
        languages::whole_page_in_chinese(&page).await?;
        let (lesson_url, lesson) = lessons::teacher_makes_a_lesson(&page).await?;
        let card = lessons::student_trains_and_hands_in(&driver, out, &lesson_url, &lesson, "").await?;
        let again = lessons::student_trains_and_hands_in(&driver, out, &lesson_url, &lesson, "-again").await?;
        lessons::same_run(&card, &again)?;
        lessons::teacher_compares_cards(&page, &card).await?;
        lessons::student_on_a_phone(&driver, out, &lesson_url).await?;
        lessons::lesson_by_file(&page, &driver, out, url).await?;
        open_link_flow(&page, url, &data).await?;
        data_by_url_flow(&page, url, out, &data).await?;
        damaged_link_flow(&page, url).await?;
        too_big_a_file(&page, out).await?;
        phone_layout(&driver, url, out).await?;
        languages::language_survives_a_reload(&driver, out, url).await?;
        kept::kept_model_survives_a_reload(&page, url).await?;
        resume::a_reloaded_run_goes_on_from_its_checkpoint(&page, url).await?;
        kept::a_full_storage_loses_nothing_kept(&driver, out, url, &data).await?;
        hub_model_offline(&page, url, &requests).await?;
        frozen::head_only_run(&driver, out, url, &data).await?;
        lora::lora_run(&driver, out, url, &data).await?;
        transfer::first_and_second_visit(&driver, url, out, Some(&requests)).await?;
        let counted = requests.check(url)?;
        println!("e2e: only the requests asked for: {counted}");
        Ok(())
    }
    .await;
    page.close().await;
    result
}

/// A model named by its Hub id: the worker asks huggingface.co, which the recording proxy
/// refuses as a dead network would, and the page says which file could not be fetched.
async fn hub_model_offline(page: &Page, url: &str, requests: &RequestLog) -> Result<(), String> {
    requests.choose("https://huggingface.co:443");
    page.goto("about:blank").await?;
    page.goto(url).await?;
    page.wait_for("the device facts", "#device-facts", Duration::from_secs(120)).await?;
    page.type_into("#hub-id", "prajjwal1/bert-tiny").await?;
    page.click("#load-model").await?;
    let error = page
        .wait_for_text("the Hub model's failure", "#model-error", "huggingface.co/prajjwal1/bert-tiny", MODEL_LOAD)
        .await?;
    let shown = error.text().await.unwrap_or_default();
    if !shown.contains("could not be downloaded") {
        return Err(format!("the failure does not say the download failed: {shown}"));
    }
    println!("e2e: a Hub model with no network: {shown}");
    page.screenshot_at("hub-model-offline", "#model-error").await
}

/// The slices the issue names, written where the browser can upload them from.
pub(crate) struct Slices {
    ner_train: PathBuf,
    ner_dev: PathBuf,
    cls_train: PathBuf,
    cls_dev: PathBuf,
    broken: PathBuf,
}

fn write_slices(out: &Path) -> Result<Slices, String> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    let read = |p: PathBuf| std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()));
    let dir = out.join("data");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let write = |name: &str, text: String| -> Result<PathBuf, String> {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    };
    let conll = read(shared.join("wnut17/train.conll"))?;
    // Sentences end at a blank line (WNUT-17's blank lines hold a tab).
    let mut sentences: Vec<Vec<&str>> = vec![Vec::new()];
    for line in conll.lines() {
        match (line.trim().is_empty(), sentences.last_mut()) {
            (true, Some(current)) if !current.is_empty() => sentences.push(Vec::new()),
            (false, Some(current)) => current.push(line),
            _ => {}
        }
    }
    let conll_slice =
        |r: std::ops::Range<usize>| sentences[r].iter().map(|s| s.join("\n") + "\n").collect::<Vec<_>>().join("\n");
    let train_tsv = read(shared.join("sst2/train.tsv"))?;
    let dev_tsv = read(shared.join("sst2/dev.tsv"))?;
    let tsv_slice = |tsv: &str, n: usize| tsv.lines().take(n + 1).collect::<Vec<_>>().join("\n") + "\n";
    Ok(Slices {
        ner_train: write("wnut17-train-64.conll", conll_slice(0..64))?,
        ner_dev: write("wnut17-dev-32.conll", conll_slice(64..96))?,
        cls_train: write("sst2-train-64.tsv", tsv_slice(&train_tsv, 64))?,
        cls_dev: write("sst2-dev-32.tsv", tsv_slice(&dev_tsv, 32))?,
        broken: write(
            "broken.jsonl",
            "{\"text\": \"fine\", \"label\": \"pos\"}\n{\"text\": \"no closing brace\"\n{\"text\": \"fine too\", \"label\": \"neg\"}\n"
                .into(),
        )?,
    })
}

/// Loads the default model on the CPU device. WebGPU is shown first (headless Chromium has
/// SwiftShader); training goes to the CPU because SwiftShader's WebGPU is far slower here.
pub(crate) async fn load_model(page: &Page) -> Result<(), String> {
    page.wait_for("the device facts", "#device-facts", Duration::from_secs(120)).await?;
    page.select("#device", "cpu").await?;
    page.wait_for_text("the CPU device", "#device-facts", "CPU", Duration::from_secs(60)).await?;
    page.click("#load-model").await?;
    let facts = page.wait_for("the model facts", "#model-facts", MODEL_LOAD).await?;
    let facts = facts.text().await.map_err(|e| e.to_string())?;
    for expected in ["Layers", "6", "Hidden size", "384", "22,713,216", "30,522"] {
        if !facts.contains(expected) {
            return Err(format!("model facts lack `{expected}`: {facts}"));
        }
    }
    Ok(())
}

/// The default model and the 64-sentence SST-2 slice with no dev file, so the page holds out a
/// tenth for dev and a tenth for test (the flows that run in a fresh profile start here).
pub(crate) async fn sst2_slice_loaded(page: &Page, data: &Slices) -> Result<(), String> {
    load_model(page).await?;
    page.click("#task-cls").await?;
    page.upload("#train-file", &data.cls_train).await?;
    page.wait_for_text("the SST-2 data, split", "#split-sizes", "80/10/10 split of sst2", Duration::from_secs(60))
        .await
        .map(drop)
}

async fn train_one_epoch(page: &Page) -> Result<(), String> {
    page.type_into("#epochs", "1").await?;
    page.click("#train").await?;
    page.wait_for("a loss curve", "#loss-chart svg", TRAINING).await?;
    page.wait_for("the dev scores", "#scores tr.label-row", TRAINING).await?;
    let points: usize = page
        .client
        .find(fantoccini::Locator::Css("#loss-chart"))
        .await
        .map_err(|e| e.to_string())?
        .attr("data-points")
        .await
        .map_err(|e| e.to_string())?
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    if points == 0 {
        return Err("the loss curve has no points".into());
    }
    page.wait_for_text("the end of training", ".progress", "Finished", TRAINING).await?;
    Ok(())
}

/// The NER flow's 96 sentences (train and dev files) do not fit in a link: the page says so.
async fn share_over_the_cap(page: &Page) -> Result<(), String> {
    page.click("#share").await?;
    let message = page
        .wait_for_text("the over-the-cap message", "#share-error", "over the 8000", Duration::from_secs(30))
        .await?;
    page.screenshot_at("share-over-the-cap", "#share-error").await?;
    println!("e2e: share over the cap: {}", message.text().await.unwrap_or_default());
    let downloads = page.out.join("downloads");
    let _ = std::fs::remove_file(downloads.join("tunelab-run.tunelab.json"));
    page.click("#share-file").await?;
    let file = downloaded(&downloads, "tunelab-run.tunelab.json", Duration::from_secs(60)).await?;
    let link = decode_file(&file).map_err(|e| format!("the offered file does not open: {e}"))?;
    let LinkData::Inline { train, dev } = &link.data else { return Err("the file's data is not inline".into()) };
    if link.task != Task::Ner || !train.name.contains("wnut17") || dev.is_none() {
        return Err(format!("the file does not carry the NER run: {} with dev {}", train.name, dev.is_some()));
    }
    println!("e2e: the run over the cap as a file: {} bytes", file.len());
    Ok(())
}

/// The Share button's link carries what the classification flow set up: the task, its one
/// epoch, its data.
async fn share_flow(page: &Page) -> Result<(), String> {
    page.click("#share").await?;
    let url = page.value("#share-url").await?;
    let fragment = url.split_once('#').map(|(_, f)| f).ok_or_else(|| format!("no # in the share link: {url}"))?;
    let link = decode_fragment(fragment).map_err(|e| format!("the page's own link does not decode: {e}"))?;
    let LinkData::Inline { train, .. } = &link.data else { return Err("the link's data is not inline".into()) };
    if link.task != Task::Cls || link.settings.epochs != 1 || !train.name.contains("sst2") || train.text.is_empty() {
        return Err(format!(
            "the share link does not carry the classification run: {:?} {} epochs, {}",
            link.task, link.settings.epochs, train.name
        ));
    }
    page.screenshot_at("share-link", "#share-url").await?;
    println!("e2e: share link of {} characters carries {} ({} bytes)", url.len(), train.name, train.text.len());
    Ok(())
}

/// The NER and classification runs of this profile are in My runs, and compare.
async fn my_runs_flow(page: &Page) -> Result<(), String> {
    page.click("#my-runs summary").await?;
    page.wait_for_text("two kept runs", "#my-runs summary", "My runs (2;", Duration::from_secs(30)).await?;
    page.click("#run-0").await?;
    page.click("#run-1").await?;
    page.click("#compare-runs").await?;
    page.wait_for("the runs' comparison", "#runs-chart svg", Duration::from_secs(30)).await?;
    let table = page.text("#runs-table").await?;
    if page.count("#runs-table tbody tr").await != 2 || !table.contains("Run of ") {
        return Err(format!("My runs does not compare the two runs: {table}"));
    }
    page.screenshot_at("13b-my-runs", "#my-runs").await
}

/// A link made elsewhere: the page starts from its data and settings, says what it set up,
/// and trains nothing by itself.
async fn open_link_flow(page: &Page, url: &str, data: &Slices) -> Result<(), String> {
    let text = std::fs::read_to_string(&data.ner_train).map_err(|e| e.to_string())?;
    let link = RunLink {
        task: Task::Ner,
        settings: TrainConfig { learning_rate: 2e-4, epochs: 2, seed: 7, ..TrainConfig::default() },
        model: SharedModel::Default,
        language: "en".into(),
        data: LinkData::Inline { train: SharedFile { name: "from-a-link.conll".into(), text }, dev: None },
        text_column: None,
        label_column: None,
        lesson: None,
    };
    page.goto("about:blank").await?;
    page.goto(&format!("{url}#{}", encode_fragment(&link))).await?;
    page.wait_for_text("the link's summary", "#opened-link", "from-a-link.conll", Duration::from_secs(60)).await?;
    for (field, expected) in [("#learning-rate", "0.0002"), ("#epochs", "2"), ("#seed", "7")] {
        let value = page.value(field).await?;
        if value != expected {
            return Err(format!("{field} shows {value}, the link says {expected}"));
        }
    }
    page.wait_for_text("the link's data, split", "#split-sizes", "from-a-link.conll", Duration::from_secs(60)).await?;
    if page.count("#loss-chart svg").await > 0 {
        return Err("a run started before Train was pressed".into());
    }
    page.screenshot("link-opened").await
}

/// A link that names its data by URL: the page fetches it (here from the page's own server,
/// where the test puts a slice); a URL that is not there gets a message naming it.
async fn data_by_url_flow(page: &Page, url: &str, out: &Path, data: &Slices) -> Result<(), String> {
    // The folder the page is served from: xtask names it (the dev or the release build).
    let dist = std::env::var_os("TUNELAB_E2E_DIST").map_or_else(|| out.join("dist"), PathBuf::from);
    let served = dist.join("e2e-data");
    std::fs::create_dir_all(&served).map_err(|e| e.to_string())?;
    std::fs::copy(&data.ner_train, served.join("by-url.conll")).map_err(|e| e.to_string())?;
    let mut link = RunLink {
        task: Task::Ner,
        settings: TrainConfig { epochs: 2, ..TrainConfig::default() },
        model: SharedModel::Default,
        language: "en".into(),
        data: LinkData::Url { train: format!("{url}e2e-data/by-url.conll"), dev: None },
        text_column: None,
        label_column: None,
        lesson: None,
    };
    page.goto("about:blank").await?;
    page.goto(&format!("{url}#{}", encode_fragment(&link))).await?;
    page.wait_for_text(
        "the fetched data, split",
        "#split-sizes",
        "80/10/10 split of by-url.conll",
        Duration::from_secs(60),
    )
    .await?;
    page.screenshot_at("link-data-by-url", "#split-sizes").await?;
    link.data = LinkData::Url { train: format!("{url}e2e-data/missing.conll"), dev: None };
    page.goto("about:blank").await?;
    page.goto(&format!("{url}#{}", encode_fragment(&link))).await?;
    let notice =
        page.wait_for_text("the missing data's message", ".notices", "missing.conll", Duration::from_secs(60)).await?;
    let shown = notice.text().await.unwrap_or_default();
    if !shown.contains("404") {
        return Err(format!("the message does not say what the server answered: {shown}"));
    }
    println!("e2e: data by URL: {}", shown.replace('\n', " "));
    Ok(())
}

/// A data file over the page's cap is refused before it is read, with the cap named.
async fn too_big_a_file(page: &Page, out: &Path) -> Result<(), String> {
    let path = out.join("too-big.csv");
    let row = "a sentence that is long enough to fill the file quickly,pos\n";
    let text = format!("text,label\n{}", row.repeat(21_000_000 / row.len()));
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    page.upload("#train-file", &path).await?;
    let error = page.wait_for_text("the size refusal", "#data-error", "up to 20.0 MB", Duration::from_secs(30)).await?;
    let said = error.text().await.map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&path);
    page.screenshot_at("too-big-a-file", "#data-error").await?;
    println!("e2e: a 21 MB data file: {said}");
    Ok(())
}

/// A damaged link gets a message, and the page stays usable.
async fn damaged_link_flow(page: &Page, url: &str) -> Result<(), String> {
    page.goto("about:blank").await?;
    page.goto(&format!("{url}#v1.eJzLSM3JyVcozy_KSQEAGgQEXQ<img src=x onerror=alert(1)>")).await?;
    let notice = page
        .wait_for_text(
            "the damaged link's message",
            ".notices",
            "This link could not be opened",
            Duration::from_secs(60),
        )
        .await?;
    let shown = notice.text().await.unwrap_or_default();
    if page.count(".notices img").await > 0 {
        return Err("markup from the link reached the page".into());
    }
    page.wait_for("the model panel, still usable", "#load-model", Duration::from_secs(30)).await?;
    page.screenshot("link-damaged").await?;
    load_model(page).await?;
    println!("e2e: damaged link: {}", shown.replace('\n', " "));
    Ok(())
}

/// Every per-label row holds four numbers.
async fn check_score_rows(page: &Page, expected_labels: &[&str]) -> Result<(), String> {
    let table = page.text("#scores").await?;
    for label in expected_labels {
        if !table.contains(label) {
            return Err(format!("the scores table has no row for {label}: {table}"));
        }
    }
    let rows =
        page.client.find_all(fantoccini::Locator::Css("#scores tr.label-row")).await.map_err(|e| e.to_string())?;
    for row in rows {
        let text = row.text().await.map_err(|e| e.to_string())?;
        let numbers = text.split_whitespace().filter(|w| w.parse::<f64>().is_ok()).count();
        if numbers < 4 {
            return Err(format!("a score row lacks its numbers: `{text}`"));
        }
    }
    Ok(())
}

/// Types into Try it and waits for an answer holding `needle`.
pub(crate) async fn try_it(page: &Page, task: &str, text: &str, needle: &str) -> Result<(), String> {
    let typed = std::time::Instant::now();
    page.type_into("#try-text", text).await?;
    let answer = page.wait_for_text(&format!("a {task} answer"), "#answer", needle, Duration::from_secs(120)).await?;
    let shown = answer.text().await.unwrap_or_default().replace('\n', " ");
    println!(
        "e2e: {task} try-it answered {:.2} s after typing began (CPU device): {shown}",
        typed.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn export(page: &Page, architecture: &str) -> Result<(), String> {
    let downloads = page.out.join("downloads");
    let zip_path = downloads.join("tunelab-model.zip");
    let _ = std::fs::remove_file(&zip_path);
    page.click("#export-model").await?;
    page.wait_for("the export note", "#export-note", Duration::from_secs(300)).await?;
    let zip = downloaded(&downloads, "tunelab-model.zip", Duration::from_secs(120)).await?;
    let files = read_model_zip(&zip, "tunelab-model.zip").map_err(|e| e.to_string())?;
    let config: serde_json::Value = serde_json::from_slice(&files.config_json).map_err(|e| e.to_string())?;
    if config["architectures"][0] != architecture || config["id2label"].as_object().is_none_or(|m| m.is_empty()) {
        return Err(format!("the exported config.json is not a {architecture} with labels: {config}"));
    }
    if files.tokenizer_json.is_empty() || files.model_safetensors.len() < 80_000_000 {
        return Err(format!("the exported weights are {} bytes", files.model_safetensors.len()));
    }
    println!("e2e: exported {architecture}: zip of {} bytes", zip.len());
    Ok(())
}

async fn ner_flow(page: &Page, url: &str, data: &Slices) -> Result<(), String> {
    page.goto(url).await?;
    page.wait_for_text("the WebGPU device", "#device-facts", "WebGPU", Duration::from_secs(120)).await?;
    page.screenshot_at("01-opened", "#model-title").await?;
    load_model(page).await?;
    page.screenshot_at("02-model-loaded", "#model-title").await?;
    page.click("#task-ner").await?;
    page.upload("#train-file", &data.ner_train).await?;
    page.wait_for_text("the training data, split", "#split-sizes", "80/10/10 split of wnut17", Duration::from_secs(60))
        .await?;
    page.upload("#dev-file", &data.ner_dev).await?;
    page.wait_for_text(
        "the dev data",
        "#split-sizes",
        "64 to train on (from wnut17-train-64.conll), 32 for dev",
        Duration::from_secs(60),
    )
    .await?;
    if page.count("#preview mark.chip").await == 0 {
        return Err("the NER preview shows no tagged entities".into());
    }
    page.screenshot_at("03-ner-data", "#split-sizes").await?;
    train_one_epoch(page).await?;
    check_score_rows(page, &["micro avg", "macro avg", "weighted avg"]).await?;
    let chips = page.count("#review mark.chip").await;
    if chips == 0 {
        return Err("no highlighted entities in the dev list".into());
    }
    println!(
        "e2e: NER trained; {} entity rows, {chips} chips in the dev list",
        page.count("#scores tr.label-row").await
    );
    page.screenshot_at("04-ner-trained", "#train-title").await?;
    page.screenshot_at("04-ner-results", "#results-title").await?;
    page.click("#only-mistakes").await?;
    page.screenshot_at("05-ner-mistakes", "#review").await?;
    try_it(page, "NER", "Maria flew from London to New York to see Taylor Swift .", "entities").await?;
    page.screenshot_at("06-ner-try", "#try-title").await?;
    export(page, "BertForTokenClassification").await?;
    page.screenshot_at("07-ner-exported", "#export-title").await
}

async fn classification_flow(page: &Page, url: &str, data: &Slices) -> Result<(), String> {
    page.goto(url).await?;
    load_model(page).await?;
    page.click("#task-cls").await?;
    // Bad input first: a broken line is reported with its number, the rest is kept.
    page.upload("#train-file", &data.broken).await?;
    page.wait_for_text("the broken line's diagnostic", ".diagnostics", "line 2", Duration::from_secs(60)).await?;
    page.screenshot_at("08-bad-input", ".diagnostics").await?;
    page.upload("#train-file", &data.cls_train).await?;
    page.wait_for_text("the SST-2 data, split", "#split-sizes", "80/10/10 split of sst2", Duration::from_secs(60))
        .await?;
    page.upload("#dev-file", &data.cls_dev).await?;
    page.wait_for_text(
        "the SST-2 dev data",
        "#split-sizes",
        "64 to train on (from sst2-train-64.tsv), 32 for dev",
        Duration::from_secs(60),
    )
    .await?;
    page.screenshot_at("09-cls-data", "#split-sizes").await?;
    train_one_epoch(page).await?;
    check_score_rows(page, &["micro avg", "macro avg", "weighted avg"]).await?;
    let accuracy: f64 = page.text("#accuracy").await?.trim().parse().map_err(|e| format!("accuracy: {e}"))?;
    if !(0.0..=1.0).contains(&accuracy) || page.count("#confusion svg").await == 0 {
        return Err(format!("accuracy {accuracy} or the confusion matrix is missing"));
    }
    println!("e2e: classification trained; dev accuracy {accuracy}");
    page.screenshot_at("10-cls-trained", "#train-title").await?;
    page.screenshot_at("10-cls-results", "#results-title").await?;
    try_it(page, "classification", "a gorgeous , witty and moving film", "Predicted").await?;
    page.screenshot_at("11-cls-try", "#try-title").await?;
    export(page, "BertForSequenceClassification").await?;
    page.screenshot_at("12-cls-exported", "#export-title").await
}

/// The page at phone size (390×844): nothing may stick out sideways.
async fn phone_layout(driver: &Chromedriver, url: &str, out: &Path) -> Result<(), String> {
    let phone = Page::open_phone(driver, out, 390, 844).await?;
    let result = async {
        phone.goto(url).await?;
        phone.wait_for("the model panel", "#load-model", Duration::from_secs(60)).await?;
        let wide = phone.scrolls_sideways().await?;
        phone.screenshot("13-phone").await?;
        if wide {
            return Err("the page scrolls sideways at 390 px".into());
        }
        Ok(())
    }
    .await;
    phone.close().await;
    result
}
