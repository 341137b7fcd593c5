"""Loads a Tunelab LoRA run both ways transformers users do: the merged folder as a plain
model, and the base model with the peft adapter folder (PeftModel.from_pretrained). Runs each
on the token ids Tunelab gave and compares with Tunelab's logits.

Input (argv[1]): JSON {"task": "cls"|"ner", "base": dir, "merged": dir, "adapter": dir,
"labels": [...], "sentences": [{"input_ids": [...], "logits": [[...], ...]}]}.
Prints one JSON line: the largest logit difference and the share of equal argmax labels, per model.
"""

import json
import sys

import torch
from peft import PeftModel
from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification


def compare(model, sentences):
    worst, agree, total = 0.0, 0, 0
    with torch.no_grad():
        for s in sentences:
            ids = torch.tensor([s["input_ids"]])
            logits = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits[0]
            logits = logits.reshape(-1, logits.shape[-1])
            theirs = torch.tensor(s["logits"]).reshape(logits.shape)
            worst = max(worst, (logits - theirs).abs().max().item())
            agree += (logits.argmax(-1) == theirs.argmax(-1)).sum().item()
            total += logits.shape[0]
    return {"max_abs_diff": worst, "argmax_agreement": agree / total, "compared": total}


def main():
    run = json.load(open(sys.argv[1]))
    auto = AutoModelForSequenceClassification if run["task"] == "cls" else AutoModelForTokenClassification
    labels = run["labels"]
    id2label = {i: l for i, l in enumerate(labels)}
    label2id = {l: i for i, l in enumerate(labels)}
    merged = auto.from_pretrained(run["merged"]).eval()
    base = auto.from_pretrained(run["base"], num_labels=len(labels), id2label=id2label, label2id=label2id)
    adapted = PeftModel.from_pretrained(base, run["adapter"]).eval()
    trainable = sum(p.numel() for n, p in PeftModel.from_pretrained(
        auto.from_pretrained(run["base"], num_labels=len(labels)), run["adapter"], is_trainable=True
    ).named_parameters() if p.requires_grad)
    print(json.dumps({
        "merged": compare(merged, run["sentences"]),
        "adapter": compare(adapted, run["sentences"]),
        "peft_trainable_parameters": trainable,
    }))


if __name__ == "__main__":
    main()
