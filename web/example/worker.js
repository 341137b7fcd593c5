// The example's worker: owns one Trainer from the package and answers the page's messages.
import init, { Trainer } from "../pkg/tunelab.js";

let trainer = null;
const ready = init();

const send = (message, transfer = []) => postMessage(message, transfer);

async function handle(msg) {
  await ready;
  switch (msg.op) {
    case "create":
      trainer = await Trainer.create({ device: msg.device });
      return send({ op: "device", device: trainer.device });
    case "fetchModel":
      return send({ op: "model", model: await trainer.fetchModel(msg.source, (p) => send({ op: "download", progress: p })) });
    case "loadDataset":
      return send({ op: "dataset", dataset: trainer.loadDataset(msg.request) });
    case "train":
      await trainer.train(msg.config, (event) => send({ op: "event", event }));
      return send({ op: "trained" });
    case "pause": return trainer.pause();
    case "resume": return trainer.resume();
    case "stop": return trainer.stop();
    case "predict":
      return send({ op: "prediction", text: msg.text, prediction: await trainer.predict(msg.text) });
    case "export": {
      const files = await trainer.export();
      return send({ op: "exported", files }, [files.config_json.buffer, files.tokenizer_json.buffer, files.model_safetensors.buffer]);
    }
  }
}

onmessage = ({ data }) => {
  handle(data).catch((error) => send({ op: "error", during: data.op, message: String(error?.message ?? error) }));
};
