"""Runs a Tunelab ONNX folder the way a web page would, in onnxruntime: both graphs pass the
ONNX checker, the fp32 graph gives Tunelab's logits, the int8 graph gives the fp32 graph's
labels, a padded batch gives each sentence's own logits, and transformers' tokenizer reads the
folder's tokenizer files as Tunelab does.

Input (argv[1]): JSON {"folder": dir, "sentences": [{"input_ids": [...], "logits": [[...]]}],
"texts": [{"text": str, "input_ids": [...]}]}.
Prints one JSON line.
"""

import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from transformers import AutoTokenizer


def session(path):
    onnx.checker.check_model(onnx.load(path), full_check=True)
    return ort.InferenceSession(path, providers=["CPUExecutionProvider"])


def feeds(batch):
    """input_ids, attention_mask and token_type_ids of sentences padded with 0 to one length."""
    length = max(len(ids) for ids in batch)
    ids = np.zeros((len(batch), length), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, sentence in enumerate(batch):
        ids[row, : len(sentence)] = sentence
        mask[row, : len(sentence)] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}


def logits(sess, ids):
    out = sess.run(["logits"], feeds([ids]))[0][0]
    return out.reshape(-1, out.shape[-1])


def main():
    run = json.load(open(sys.argv[1]))
    folder = run["folder"]
    fp32 = session(os.path.join(folder, "onnx", "model.onnx"))
    int8 = session(os.path.join(folder, "onnx", "model_quantized.onnx"))
    worst, agree_int8, agree_tunelab_int8, total = 0.0, 0, 0, 0
    for s in run["sentences"]:
        theirs = np.array(s["logits"], dtype=np.float32)
        full = logits(fp32, s["input_ids"])
        theirs = theirs.reshape(full.shape)
        quantized = logits(int8, s["input_ids"])
        worst = max(worst, float(np.abs(full - theirs).max()))
        agree_int8 += int((quantized.argmax(-1) == full.argmax(-1)).sum())
        agree_tunelab_int8 += int((quantized.argmax(-1) == theirs.argmax(-1)).sum())
        total += full.shape[0]

    # A padded batch: each sentence's logits as if it ran alone.
    pair = [run["sentences"][0]["input_ids"], run["sentences"][1]["input_ids"]]
    batched = fp32.run(["logits"], feeds(pair))[0]
    padded_gap = 0.0
    for row, ids in enumerate(pair):
        alone = logits(fp32, ids)
        mine = batched[row]
        mine = mine[: len(ids)] if mine.ndim == 2 else mine.reshape(1, -1)
        padded_gap = max(padded_gap, float(np.abs(mine - alone).max()))

    tokenizer = AutoTokenizer.from_pretrained(folder)
    same_ids = all(tokenizer(t["text"])["input_ids"] == t["input_ids"] for t in run["texts"])
    print(json.dumps({
        "fp32": {"max_abs_diff": worst, "compared": total},
        "int8": {"argmax_agreement_with_fp32": agree_int8 / total,
                 "argmax_agreement_with_tunelab": agree_tunelab_int8 / total},
        "padded_batch_max_abs_diff": padded_gap,
        "tokenizer_same_ids": same_ids,
        "bytes": {"model.onnx": os.path.getsize(os.path.join(folder, "onnx", "model.onnx")),
                  "model_quantized.onnx": os.path.getsize(os.path.join(folder, "onnx", "model_quantized.onnx"))},
        "onnxruntime": ort.__version__,
    }))


if __name__ == "__main__":
    main()
