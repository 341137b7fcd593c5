//! Step 2: the labelled data. Files are parsed by the worker (core's parsers); the page shows
//! what came of it: a preview, label counts, split sizes and every problem by line.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::charts;
use super::chips::{tag_chips, TagStyle};
use super::chosen::Chosen;
use super::file_button::file_button;
use super::files;
use super::format::bytes;
use super::samples::SAMPLES;
use super::saved;
use super::state::{t, use_state, Status};
use super::worker_link::use_worker;
use crate::core::data::{Diagnostic, Examples, Severity, MOSTLY_CJK};
use crate::core::model::Task;
use crate::i18n::Language;
use crate::protocol::{DataFile, DatasetRequest, DatasetSummary, Request};
use crate::share::FILE_SUFFIX;

/// What the file pickers offer: every extension the core's parsers know.
const DATA_FILES: &str = ".csv,.tsv,.txt,.jsonl,.json,.ndjson,.conll,.conllu,.iob,.iob2,.bio,.bioes";

#[component]
pub fn DataPanel() -> impl IntoView {
    let state = use_state();
    let link = use_worker();
    let task = RwSignal::new(Task::Cls);
    let chosen = RwSignal::new(None::<Chosen>);
    let pasted = RwSignal::new(String::new());
    let dev_file = RwSignal::new(None::<DataFile>);
    let text_column = RwSignal::new(String::new());
    let label_column = RwSignal::new(String::new());
    let dragging = RwSignal::new(false);
    let not_kept = RwSignal::new(None::<String>);

    // Sends the data to the worker; `keep` also stores it for the next visit.
    let send = move |data: Chosen, keep: bool| {
        let optional = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let request = DatasetRequest {
            task: data.task,
            train: data.train.clone(),
            dev: data.dev.clone(),
            text_column: optional(&data.text_column),
            label_column: optional(&data.label_column),
            limit: None,
            // The split follows the Seed setting (as last entered in the form).
            seed: saved::load_settings().unwrap_or_default().seed,
        };
        if keep {
            not_kept.set(saved::save_data(state.language.get_untracked(), &data).err());
        }
        chosen.set(Some(data));
        state.clear_run();
        state.dataset.set(Status::Working);
        link.send(Request::LoadDataset(request));
    };
    let load = move |train: DataFile| {
        let data = Chosen {
            task: task.get_untracked(),
            train,
            dev: dev_file.get_untracked(),
            text_column: text_column.get_untracked(),
            label_column: label_column.get_untracked(),
        };
        send(data, true);
    };
    let reload = move || {
        if let Some(c) = chosen.get_untracked() {
            load(c.train);
        }
    };

    // A reload of the page finds the last data where it was left.
    if let Some(data) = saved::load_data() {
        task.set(data.task);
        text_column.set(data.text_column.clone());
        label_column.set(data.label_column.clone());
        dev_file.set(data.dev.clone());
        send(data, false);
    }

    Effect::new(move |_| {
        let Some(data) = state.incoming.get() else { return };
        state.incoming.set(None);
        task.set(data.task);
        text_column.set(data.text_column.clone());
        label_column.set(data.label_column.clone());
        dev_file.set(data.dev.clone());
        send(data, true);
    });

    let read_and_load = move |picked: Vec<web_sys::File>, as_dev: bool| {
        spawn_local(async move {
            let Some(file) = picked.into_iter().next() else { return };
            if let Some(why) = too_big(state.language.get_untracked(), &file) {
                state.dataset.set(Status::Failed(why));
                return;
            }
            match files::read(state.language.get_untracked(), &file).await {
                Ok(bytes) if file.name().ends_with(FILE_SUFFIX) => {
                    super::share_link::open_lesson_file(state, &file.name(), &bytes);
                }
                Ok(bytes) => {
                    let file = DataFile { name: file.name(), bytes };
                    if as_dev {
                        dev_file.set(Some(file));
                        reload();
                    } else {
                        load(file);
                    }
                }
                Err(message) => state.dataset.set(Status::Failed(message)),
            }
        });
    };

    let read_lesson = move |picked: Vec<web_sys::File>| {
        spawn_local(async move {
            let Some(file) = picked.into_iter().next() else { return };
            if let Some(why) = too_big(state.language.get_untracked(), &file) {
                state.notices.update(|n| n.push(why));
                return;
            }
            match files::read(state.language.get_untracked(), &file).await {
                Ok(bytes) => super::share_link::open_lesson_file(state, &file.name(), &bytes),
                Err(message) => state.notices.update(|n| n.push(message)),
            }
        });
    };

    view! {
        <section class="panel" aria-labelledby="data-title"
            class:dragging=move || dragging.get()
            on:dragover=move |ev| { ev.prevent_default(); dragging.set(true); }
            on:dragleave=move |_| dragging.set(false)
            on:drop=move |ev| {
                ev.prevent_default();
                dragging.set(false);
                let picked = files::list(ev.data_transfer().and_then(|d| d.files()));
                read_and_load(picked, false);
            }>
            <h2 id="data-title">{t("data.title")}</h2>
            <fieldset>
                <legend>{t("data.task-question")}</legend>
                <label>
                    <input type="radio" name="task" id="task-cls" checked=move || task.get() == Task::Cls
                        on:change=move |_| { task.set(Task::Cls); dev_file.set(None); reload(); } />
                    " "{t("data.task-cls")}
                </label>
                <label>
                    <input type="radio" name="task" id="task-ner" checked=move || task.get() == Task::Ner
                        on:change=move |_| { task.set(Task::Ner); dev_file.set(None); reload(); } />
                    " "{t("data.task-ner")}
                </label>
            </fieldset>
            <div class="samples">
                <span>{t("data.samples-intro")}" "</span>
                {SAMPLES.iter().map(|s| view! {
                    <button title=t(s.about) on:click=move |_| {
                        state.advise_on_load.set(true);
                        task.set(s.task);
                        dev_file.set(None);
                        load(DataFile { name: s.file_name.into(), bytes: s.text.as_bytes().to_vec() });
                    }>{t(s.title)}</button>
                }).collect_view()}
                <p class="note">{t("data.samples-note")}</p>
            </div>
            <div class="drop">
                {file_picker(
                    "train-file",
                    "data.train-file",
                    move |picked| read_and_load(picked, false),
                )}
                {file_picker(
                    "dev-file",
                    "data.dev-file",
                    move |picked| read_and_load(picked, true),
                )}
                <div class="file-field">
                    <span>{t("data.lesson-file")}</span>" "
                    {file_button("lesson-file", ".json", false, "data.lesson-file", read_lesson)}
                </div>
                {move || dev_file.get().map(|f| view! {
                    <p class="note">{crate::tr!(state.lang(), "data.dev-file-chosen", name = f.name)}" "
                        <button on:click=move |_| { dev_file.set(None); reload(); }>{t("data.remove")}</button></p>
                })}
            </div>
            <details>
                <summary>{t("data.paste")}</summary>
                <label class="stack">
                    {t("data.paste-label")}
                    <textarea rows="6" prop:value=move || pasted.get()
                        on:input=move |ev| pasted.set(event_target_value(&ev))
                        placeholder=t("data.paste-placeholder")></textarea>
                </label>
                <button on:click=move |_| load(DataFile { name: String::new(), bytes: pasted.get_untracked().into_bytes() })
                    disabled=move || pasted.get().trim().is_empty()>{t("data.use-pasted")}</button>
            </details>
            <details>
                <summary>{t("data.columns")}</summary>
                <label class="inline">{t("data.text-column")}" " <input type="text" prop:value=move || text_column.get()
                    on:change=move |ev| { text_column.set(event_target_value(&ev)); reload(); } /></label>
                <label class="inline">{t("data.label-column")}" " <input type="text" prop:value=move || label_column.get()
                    on:change=move |ev| { label_column.set(event_target_value(&ev)); reload(); } /></label>
            </details>
            {move || not_kept.get().map(|m| view! { <p class="warning">{m}</p> })}
            {move || match state.dataset.get() {
                Status::Empty => view! { <p class="note">{t("data.empty")}</p> }.into_any(),
                Status::Working => view! { <p class="note" role="status">{t("data.reading")}</p> }.into_any(),
                Status::Failed(message) => view! { <p class="error" role="alert" id="data-error">{message}</p> }.into_any(),
                Status::Done(summary) => {
                    let lang = state.lang();
                    let name = chosen.get().map(|c| c.train.name).filter(|n| !n.is_empty())
                        .unwrap_or_else(|| crate::tr!(lang, "data.pasted-text"));
                    let dev_name = chosen.get().and_then(|c| c.dev.map(|d| d.name))
                        .unwrap_or_else(|| crate::tr!(lang, "data.dev-file-name"));
                    view! { <Summary summary name dev_name lang /> }.into_any()
                }
            }}
        </section>
    }
}

/// The largest data or lesson file the page reads. Parsing a CoNLL file peaks at about 5 times
/// its size in memory (240 MB for 50 MB, `tests/memory.rs`), the tab holds the file's text as
/// well, and a file this big already trains for hours in a tab; the command line reads any size.
const DATA_FILE_CAP: usize = 20_000_000;

/// Why `file` is not read, when it is over [`DATA_FILE_CAP`]: said before reading, not after
/// the tab has run out of memory.
fn too_big(language: Language, file: &web_sys::File) -> Option<String> {
    let size = file.size() as usize;
    (size > DATA_FILE_CAP).then(|| {
        crate::tr!(language, "data.file-too-big", name = file.name(), size = bytes(size), cap = bytes(DATA_FILE_CAP))
    })
}

/// A labelled data-file picker; `label` is the label's catalogue key, `on_pick` gets the chosen files.
fn file_picker(id: &'static str, label: &'static str, on_pick: impl Fn(Vec<web_sys::File>) + 'static) -> impl IntoView {
    view! {
        <div class="file-field">
            <span>{t(label)}</span>" "
            {file_button(id, DATA_FILES, false, label, on_pick)}
        </div>
    }
}

/// What the worker made of the data.
#[component]
fn Summary(
    /// The worker's account of the parsed dataset.
    summary: DatasetSummary,
    /// The training file's name, as the user knows it.
    name: String,
    /// The dev file's name.
    dev_name: String,
    /// The page's language.
    lang: Language,
) -> impl IntoView {
    let (train, dev, test) = (summary.n_train, summary.n_dev, summary.n_test);
    let sizes = if summary.split {
        crate::tr!(lang, "data.sizes-split", train = train, dev = dev, test = test, name = name)
    } else {
        crate::tr!(lang, "data.sizes-files", train = train, dev = dev, name = name, dev_name = dev_name)
    };
    let what = if summary.task == Task::Ner { "data.chart-entities" } else { "data.chart-labels" };
    let counts: Vec<(String, f64)> = summary.label_counts.iter().map(|c| (c.label.clone(), c.count as f64)).collect();
    let chart = charts::bars(lang, &crate::i18n::text(lang, what, &[]), &counts, false);
    let labels = summary.labels.clone();
    let cjk = (summary.cjk_share >= MOSTLY_CJK).then(|| {
        let share = format!("{:.0}", summary.cjk_share * 100.0);
        view! {
            <p class="warning" id="cjk-warning">
                {crate::tr!(lang, "data.cjk-warning", share = share, model = "google-bert/bert-base-chinese")}
            </p>
        }
    });
    view! {
        <p id="split-sizes"><strong>{t("data.examples")}" "</strong>{sizes}</p>
        {cjk}
        <div class="chart" inner_html=chart></div>
        <Diagnostics file=name diagnostics=summary.train_diagnostics.clone() lang />
        <Diagnostics file=dev_name diagnostics=summary.dev_diagnostics.clone() lang />
        <h3>{t("data.preview")}</h3>
        <Preview examples=summary.preview.clone() labels lang />
    }
}

/// Every problem of one file, by line.
#[component]
fn Diagnostics(
    /// The file the problems are in.
    file: String,
    diagnostics: Vec<Diagnostic>,
    /// The page's language.
    lang: Language,
) -> impl IntoView {
    if diagnostics.is_empty() {
        return ().into_any();
    }
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    view! {
        <details class="diagnostics" open=true>
            <summary>{crate::tr!(lang, "data.problems", file = file, problems = diagnostics.len(), skipped = errors)}</summary>
            <ul>
                {diagnostics.into_iter().map(|d| {
                    let class = if d.severity == Severity::Error { "error" } else { "warning" };
                    view! { <li class=class>{problem(lang, &file, &d)}</li> }
                }).collect_view()}
            </ul>
        </details>
    }
    .into_any()
}

/// One problem as `file, line 3: error: …`; the message is the parser's own.
fn problem(lang: Language, file: &str, d: &Diagnostic) -> String {
    let kind = crate::i18n::text(lang, severity_key(d.severity), &[]);
    match d.line {
        0 => crate::tr!(lang, "data.problem-file", file = file, kind = kind, message = d.message),
        line => crate::tr!(lang, "data.problem-line", file = file, line = line, kind = kind, message = d.message),
    }
}

fn severity_key(severity: Severity) -> &'static str {
    match severity {
        Severity::Warning => "data.severity-warning",
        Severity::Error => "data.severity-error",
    }
}

/// The first training examples as a table; NER tags as chips.
#[component]
fn Preview(
    examples: Examples,
    /// The dataset's labels, which fix each entity type's colour.
    labels: Vec<String>,
    /// The page's language.
    lang: Language,
) -> impl IntoView {
    match examples {
        Examples::Cls(rows) => view! {
            <table class="preview" id="preview">
                <thead><tr>
                    <th scope="col">{t("data.col-line")}</th><th scope="col">{t("data.col-text")}</th><th scope="col">{t("data.col-label")}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|e| view! {
                        <tr><td>{e.line}</td><td translate="no">{e.text}</td><td><span class="label" translate="no">{e.label}</span></td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
        Examples::Ner(rows) => {
            let types = super::chips::entity_types(&labels);
            view! {
                <table class="preview" id="preview">
                    <thead><tr><th scope="col">{t("data.col-line")}</th><th scope="col">{t("data.col-words")}</th></tr></thead>
                    <tbody>
                        {rows.into_iter().map(|e| view! {
                            <tr><td>{e.line}</td><td>{tag_chips(lang, &e.tokens, &e.tags, &types, TagStyle::Gold)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any()
        }
    }
}
