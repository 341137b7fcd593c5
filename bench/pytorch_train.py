"""The PyTorch + transformers side of `cargo xtask bench`: the default recipe on the same
CoNLL slice, model files, batch size and max length as Tunelab, timed per epoch.

Prints one JSON object: per-epoch seconds, real (non-padding) tokens and sequences, and the
process's peak RSS.
"""

import argparse
import json
import random
import resource
import time

import torch
from transformers import AutoModelForTokenClassification, PreTrainedTokenizerFast, get_linear_schedule_with_warmup
from transformers.trainer_pt_utils import get_length_grouped_indices


def read_conll(path, limit):
    sentences, words, tags = [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts:
                if words:
                    sentences.append((words, tags))
                    words, tags = [], []
                    if len(sentences) == limit:
                        break
                continue
            if parts[0] == "-DOCSTART-":
                continue
            words.append(parts[0])
            tags.append(parts[-1])
    if words and len(sentences) < limit:
        sentences.append((words, tags))
    return sentences


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--sentences", type=int, default=512)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--max-len", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--group-by-length", action="store_true", help="HF Trainer's group_by_length batching")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    random.seed(a.seed)
    sentences = read_conll(a.data, a.sentences)
    types = sorted({t.split("-", 1)[1] for _, tags in sentences for t in tags if "-" in t})
    labels = ["O"] + [f"{p}-{t}" for t in types for p in ("B", "I")]
    label_id = {l: i for i, l in enumerate(labels)}

    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=f"{a.model}/tokenizer.json", pad_token="[PAD]",
        model_input_names=["input_ids", "token_type_ids", "attention_mask"],
    )
    model = AutoModelForTokenClassification.from_pretrained(a.model, num_labels=len(labels))
    samples = []
    for words, tags in sentences:
        enc = tokenizer(words, is_split_into_words=True, truncation=True, max_length=a.max_len)
        targets, previous = [], None
        for w in enc.word_ids():
            targets.append(label_id.get(tags[w], 0) if w is not None and w != previous else -100)
            previous = w
        samples.append((enc["input_ids"], enc["token_type_ids"], targets))

    decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or "LayerNorm" in n)]
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
        lr=5e-5, betas=(0.9, 0.999), eps=1e-8,
    )
    steps = -(-len(samples) // a.batch) * a.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(0.1 * steps + 0.999999), steps)
    model.train()
    epochs = []
    for _ in range(a.epochs):
        if a.group_by_length:
            order = get_length_grouped_indices([len(s[0]) for s in samples], a.batch)
        else:
            order = list(range(len(samples)))
            random.shuffle(order)
        started, tokens = time.perf_counter(), 0
        for i in range(0, len(order), a.batch):
            batch = [samples[j] for j in order[i:i + a.batch]]
            seq = max(len(s[0]) for s in batch)
            pad = lambda v, fill: v + [fill] * (seq - len(v))
            ids = torch.tensor([pad(s[0], tokenizer.pad_token_id) for s in batch])
            types_ = torch.tensor([pad(s[1], 0) for s in batch])
            mask = torch.tensor([pad([1] * len(s[0]), 0) for s in batch])
            targets = torch.tensor([pad(s[2], -100) for s in batch])
            tokens += int(mask.sum())
            loss = model(input_ids=ids, token_type_ids=types_, attention_mask=mask, labels=targets).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
        epochs.append({"seconds": time.perf_counter() - started, "tokens": tokens, "sequences": len(samples)})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"epochs": epochs, "peak_rss_mb": peak, "torch": torch.__version__, "threads": a.threads}))


if __name__ == "__main__":
    main()
