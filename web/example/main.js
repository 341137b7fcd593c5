// The example page: UI only. Everything heavy happens in worker.js, through the package.
const $ = (id) => document.getElementById(id);
const worker = new Worker(new URL("worker.js", import.meta.url), { type: "module" });
const waiting = new Map();
let labels = [];

function log(line, isError = false) {
  const div = document.createElement("div");
  div.textContent = line;
  if (isError) div.className = "error";
  $("log").append(div);
  $("log").scrollTop = $("log").scrollHeight;
}

// Sends a request and resolves with the reply whose op is `reply` (or rejects on an error).
function call(message, reply, transfer = []) {
  return new Promise((resolve, reject) => {
    waiting.set(reply, { resolve, reject });
    worker.postMessage(message, transfer);
  });
}

const events = [];
worker.onmessage = ({ data }) => {
  switch (data.op) {
    case "download": {
      const p = data.progress;
      $("download").max = p.total ?? 1;
      $("download").value = p.loaded;
      if (p.done) log(`${p.file}: ${(p.loaded / 1e6).toFixed(1)} MB ${p.cached ? "from the browser cache" : "downloaded"}`);
      return;
    }
    case "event": return onTrainEvent(data.event);
    case "error": {
      log(`${data.during}: ${data.message}`, true);
      for (const { reject } of waiting.values()) reject(new Error(data.message));
      waiting.clear();
      return;
    }
  }
  const pending = waiting.get(data.op);
  if (pending) { waiting.delete(data.op); pending.resolve(data); }
};
worker.onerror = (e) => {
  log(`the worker failed: ${e.message}`, true);
  for (const { reject } of waiting.values()) reject(new Error(`the worker failed: ${e.message}`));
  waiting.clear();
};

function onTrainEvent(e) {
  events.push({ ...e, at: performance.now() });
  switch (e.type) {
    case "training_started": $("steps").max = e.plan.total_steps; log(`training: ${e.plan.total_steps} steps, ${e.parameters} parameters`); break;
    case "progress":
      $("steps").value = e.step;
      $("speed").textContent = `loss ${e.loss.toFixed(4)} · ${e.tokens_per_s.toFixed(0)} tokens/s · ETA ${e.eta_s.toFixed(0)} s`;
      break;
    case "epoch": log(`epoch ${e.epoch}: train loss ${e.train_loss.toFixed(4)}${e.dev ? `, dev ${JSON.stringify(headline(e.dev))}` : ""}`); break;
    default: log(JSON.stringify(e));
  }
}

const headline = (dev) => dev.task === "cls" ? { accuracy: dev.accuracy } : { entity_f1: dev.default.micro_avg.f1 };

async function create() {
  const { device } = await call({ op: "create", device: $("device").value }, "device");
  log(`device: ${device.backend}${device.adapter ? ` (${device.adapter.vendor} ${device.adapter.architecture} ${device.adapter.description})` : ""}${device.fallback_reason ? ` — ${device.fallback_reason}` : ""}`);
  return device;
}

async function loadModel() {
  const source = $("model").value.trim();
  const isUrl = source.includes("://") || source.startsWith(".") || source.startsWith("/");
  const { model } = await call({ op: "fetchModel", source: isUrl ? new URL(source, location.href).href : source }, "model");
  log(`model: ${model.parameters.toLocaleString()} parameters, ${model.layers} layers`);
  return model;
}

async function loadData(name, bytes, extra = {}) {
  const request = { task: $("task").value, train: { name, bytes }, ...extra };
  const { dataset } = await call({ op: "loadDataset", request }, "dataset");
  labels = dataset.labels;
  log(`data: ${dataset.n_train} train / ${dataset.n_dev} dev / ${dataset.n_test} test, labels ${dataset.labels.join(" ")}`);
  for (const d of dataset.train_diagnostics.slice(0, 20)) log(`${name} line ${d.line}: ${d.severity}: ${d.message}`, d.severity === "error");
  return dataset;
}

function showPrediction(text, p) {
  const out = $("prediction");
  out.replaceChildren();
  if (p.task === "cls") {
    out.textContent = p.labels.map((l, i) => `${l}: ${(p.probabilities[i] * 100).toFixed(1)} %`).join(" · ");
    return;
  }
  const chars = [...text];
  let at = 0;
  for (const e of p.entities) {
    out.append(chars.slice(at, e.start).join(""));
    const mark = document.createElement("mark");
    mark.textContent = e.text;
    const tag = document.createElement("small");
    tag.textContent = e.label;
    mark.append(tag);
    out.append(mark);
    at = e.end;
  }
  out.append(chars.slice(at).join(""));
}

function download(name, bytes) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([bytes]));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

const guard = (f) => () => f().catch((e) => log(e.message, true));
$("load").onclick = guard(async () => { await create(); await loadModel(); });
$("data").onclick = guard(async () => {
  const file = $("file").files[0];
  if (file) return loadData(file.name, new Uint8Array(await file.arrayBuffer()));
  return loadData("", new TextEncoder().encode($("paste").value));
});
$("train").onclick = guard(async () => {
  await call({ op: "train", config: { epochs: +$("epochs").value, batch_size: +$("batch").value } }, "trained");
  log("training done");
});
$("pause").onclick = () => worker.postMessage({ op: "pause" });
$("resume").onclick = () => worker.postMessage({ op: "resume" });
$("stop").onclick = () => worker.postMessage({ op: "stop" });
$("predict").onclick = guard(async () => {
  const { text, prediction } = await call({ op: "predict", text: $("text").value }, "prediction");
  showPrediction(text, prediction);
});
$("export").onclick = guard(async () => {
  const { files } = await call({ op: "export" }, "exported");
  download("config.json", files.config_json);
  download("tokenizer.json", files.tokenizer_json);
  download("model.safetensors", files.model_safetensors);
});

// `?bench=webgpu|cpu&sentences=N&steps=K`: trains K steps at batch 16 on the first N WNUT-17
// sentences, shuffled with the CLI's seed so that the batches are the native bench's, and
// POSTs the timings to /report (used by `cargo xtask bench`).
async function bench(params) {
  const report = { device: params.get("bench"), userAgent: navigator.userAgent };
  try {
    $("device").value = params.get("bench");
    report.device_info = await create();
    await loadModel();
    const conll = new Uint8Array(await (await fetch("../shared/data/wnut17/train.conll")).arrayBuffer());
    const sentences = +(params.get("sentences") ?? 64);
    const steps = +(params.get("steps") ?? 5);
    // The whole file as dev keeps the first N sentences whole for training (no split).
    await loadData("train.conll", conll.slice(), { dev: { name: "dev.conll", bytes: conll }, limit: sentences });
    const stopAt = (e) => { if (e.type === "progress" && e.step >= steps) worker.postMessage({ op: "stop" }); };
    const listener = ({ data }) => data.op === "event" && stopAt(data.event);
    worker.addEventListener("message", listener);
    const started = performance.now();
    await call({ op: "train", config: { epochs: 1, batch_size: 16, max_len: 128, shuffle: true, seed: 42 } }, "trained");
    worker.removeEventListener("message", listener);
    report.wall_s = (performance.now() - started) / 1000;
    report.steps = events.filter((e) => e.type === "progress").map((e) => ({
      step: e.step, loss: e.loss, elapsed_s: e.elapsed_s, tokens: e.tokens,
      device_memory_bytes: e.device_memory_bytes ?? null,
    }));
  } catch (e) {
    report.error = String(e.message ?? e);
  }
  await fetch("/report", { method: "POST", body: JSON.stringify(report) });
}

const params = new URLSearchParams(location.search);
if (params.has("bench")) bench(params);
