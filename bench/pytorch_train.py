"""The PyTorch + transformers side of `cargo xtask bench` and of `bench/gpu.sh`: the default
recipe on the same CoNLL slice, model files, batch size and max length as Tunelab, timed per
epoch and per step.

Prints one JSON object: per-epoch seconds, real (non-padding) tokens and sequences, each
step's end time (after the device has finished it), and the process's peak RSS.
"""

import argparse
import json
import random
import resource
import time

import torch
import transformers
from transformers import AutoConfig, AutoModelForTokenClassification, PreTrainedTokenizerFast
from transformers import get_linear_schedule_with_warmup


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
    p.add_argument("--device", default="cpu", help="cpu, cuda, or auto (cuda when there is one)")
    p.add_argument("--from-config", action="store_true", help="weights drawn from config.json alone")
    p.add_argument("--max-steps", type=int, help="stop after this many optimizer steps")
    a = p.parse_args()
    device = torch.device("cuda" if a.device == "auto" and torch.cuda.is_available() else
                          "cpu" if a.device == "auto" else a.device)
    # Each step ends when the device has finished it, as Tunelab's does when it reads the loss.
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

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
    if a.from_config:
        config = AutoConfig.from_pretrained(a.model, num_labels=len(labels))
        model = AutoModelForTokenClassification.from_config(config)
    else:
        model = AutoModelForTokenClassification.from_pretrained(a.model, num_labels=len(labels))
    model.to(device)
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
    epochs, step_times, step, seen = [], [], 0, 0
    started_all = time.perf_counter()
    for _ in range(a.epochs):
        if a.max_steps is not None and step >= a.max_steps:
            break
        if a.group_by_length:
            from transformers.trainer_pt_utils import get_length_grouped_indices
            order = get_length_grouped_indices([len(s[0]) for s in samples], a.batch)
        else:
            order = list(range(len(samples)))
            random.shuffle(order)
        started, tokens = time.perf_counter(), 0
        for i in range(0, len(order), a.batch):
            if a.max_steps is not None and step >= a.max_steps:
                break
            batch = [samples[j] for j in order[i:i + a.batch]]
            seq = max(len(s[0]) for s in batch)
            pad = lambda v, fill: v + [fill] * (seq - len(v))
            ids = torch.tensor([pad(s[0], tokenizer.pad_token_id) for s in batch], device=device)
            types_ = torch.tensor([pad(s[1], 0) for s in batch], device=device)
            mask = torch.tensor([pad([1] * len(s[0]), 0) for s in batch], device=device)
            targets = torch.tensor([pad(s[2], -100) for s in batch], device=device)
            step_tokens = sum(len(s[0]) for s in batch)
            tokens += step_tokens
            loss = model(input_ids=ids, token_type_ids=types_, attention_mask=mask, labels=targets).loss
            seen += step_tokens
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            sync()
            step += 1
            # As Tunelab's: `tokens` is the running total, `elapsed_s` since training started.
            step_times.append({"step": step, "tokens": seen, "elapsed_s": time.perf_counter() - started_all,
                               "loss": loss.item()})
        epochs.append({"seconds": time.perf_counter() - started, "tokens": tokens, "sequences": len(samples)})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(json.dumps({"epochs": epochs, "step_times": step_times, "peak_rss_mb": peak, "torch": torch.__version__,
                      "transformers": transformers.__version__, "threads": a.threads, "device_name": device_name}))


if __name__ == "__main__":
    main()
