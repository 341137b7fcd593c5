"""Fine-tunes a BERT model on data/ with transformers' Trainer, with the recipe of the Tunelab run
this project was exported from: the settings, seed, labels and LoRA settings are in RUN below.

    pip install -r requirements.txt
    python train.py                  # one CPU or GPU
    accelerate launch train.py       # many GPUs or machines (run `accelerate config` first)

The fine-tuned model is written to model/ (or --output-dir), a folder that
AutoModelFor{Sequence,Token}Classification.from_pretrained loads.
"""

import argparse
import json
import math
import os

import numpy as np
import torch
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    DataCollatorForTokenClassification,
    DataCollatorWithPadding,
    EarlyStoppingCallback,
    PreTrainedTokenizerFast,
    Trainer,
    TrainingArguments,
    set_seed,
)

HERE = os.path.dirname(os.path.abspath(__file__))

# The Tunelab run: its task, base model, labels and settings (Tunelab's names).
RUN = json.loads(r"""__RUN__""")


def read_jsonl(name):
    path = os.path.join(HERE, "data", name)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def encode(examples, tokenizer, label_id):
    """Token ids as Tunelab makes them: cut at max_len, no padding (the collator pads each
    batch); for NER the label sits on each word's first sub-word, -100 elsewhere."""
    max_len = RUN["settings"]["max_len"]
    encoded = []
    for e in examples:
        if RUN["task"] == "cls":
            enc = tokenizer(e["text"], truncation=True, max_length=max_len)
            labels = label_id[e["label"]]
        else:
            enc = tokenizer(e["tokens"], is_split_into_words=True, truncation=True, max_length=max_len)
            labels, previous = [], None
            for word in enc.word_ids():
                labels.append(-100 if word is None or word == previous else label_id[e["tags"][word]])
                previous = word
        item = {k: v for k, v in enc.items()}
        item["labels"] = labels
        encoded.append(item)
    return encoded


def compute_metrics(prediction):
    logits, gold = prediction
    predicted = np.argmax(logits, axis=-1)
    if RUN["task"] == "cls":
        return {"accuracy": float((predicted == gold).mean())}
    from seqeval.metrics import f1_score

    labels = RUN["labels"]
    keep = [[i for i, g in enumerate(row) if g != -100] for row in gold]
    true = [[labels[gold[r][i]] for i in k] for r, k in enumerate(keep)]
    guess = [[labels[predicted[r][i]] for i in k] for r, k in enumerate(keep)]
    return {"entity_f1": f1_score(true, guess)}


class RecipeTrainer(Trainer):
    """Trainer that keeps its first step's loss (for checks)."""

    first_loss = None

    def training_step(self, *args, **kwargs):
        loss = super().training_step(*args, **kwargs)
        if self.first_loss is None:
            self.first_loss = loss.item()
        return loss


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=RUN["base_model"], help="the base model: a Hub id or a folder")
    p.add_argument("--output-dir", default=os.path.join(HERE, "model"))
    head = os.path.join(HERE, "initial_head.safetensors")
    p.add_argument(
        "--initial-head",
        default=head if os.path.exists(head) else None,
        help="the classifier weights to start from (default: Tunelab's, initial_head.safetensors, when present)",
    )
    p.add_argument("--fresh-head", action="store_true", help="draw a new classifier instead")
    p.add_argument("--max-steps", type=int, default=-1, help="stop after this many optimizer steps")
    p.add_argument("--no-dropout", action="store_true", help="dropout 0, for comparing losses")
    p.add_argument("--cpu", action="store_true", help="train on the CPU even with a GPU")
    args = p.parse_args()
    s = RUN["settings"]
    set_seed(s["seed"])
    task, labels = RUN["task"], RUN["labels"]
    label_id = {label: i for i, label in enumerate(labels)}

    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=os.path.join(HERE, "tokenizer.json"),
        pad_token=RUN["pad_token"],
        model_input_names=["input_ids", "token_type_ids", "attention_mask"],
    )
    train = encode(read_jsonl("train.jsonl"), tokenizer, label_id)
    dev = read_jsonl("dev.jsonl")
    dev = encode(dev, tokenizer, label_id) if dev else None
    test = read_jsonl("test.jsonl")
    test = encode(test, tokenizer, label_id) if test else None

    dropout = 0.0 if args.no_dropout else s["dropout"]
    config = AutoConfig.from_pretrained(
        args.model,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id=label_id,
        hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout,
    )
    auto = AutoModelForSequenceClassification if task == "cls" else AutoModelForTokenClassification
    model = auto.from_pretrained(args.model, config=config)
    if args.initial_head and not args.fresh_head:
        from safetensors.torch import load_file

        head = load_file(args.initial_head)
        with torch.no_grad():
            model.classifier.weight.copy_(head["classifier.weight"])
            model.classifier.bias.copy_(head["classifier.bias"])

    bert = model.bert
    if s["freeze_encoder"]:
        bert.requires_grad_(False)
    else:
        if s["freeze_embeddings"]:
            bert.embeddings.requires_grad_(False)
        for layer in bert.encoder.layer[: s["frozen_layers"]]:
            layer.requires_grad_(False)
    if s["lora_rank"] is not None:
        from peft import LoraConfig, TaskType, get_peft_model

        model = get_peft_model(
            model,
            LoraConfig(
                task_type=TaskType.SEQ_CLS if task == "cls" else TaskType.TOKEN_CLS,
                r=s["lora_rank"],
                lora_alpha=s["lora_alpha"],
                lora_dropout=0.0 if args.no_dropout else s["lora_dropout"],
                target_modules=RUN["lora_target_modules"],
            ),
        )
        model.print_trainable_parameters()

    # Tunelab's schedule: warmup over ceil(warmup_ratio × all optimizer steps).
    steps_per_epoch = math.ceil(math.ceil(len(train) / s["batch_size"]) / s["grad_accumulation"])
    total = args.max_steps if args.max_steps > 0 else steps_per_epoch * s["epochs"]
    evaluate = dev is not None and args.max_steps <= 0
    patience = s["early_stopping_patience"]
    metric = "accuracy" if task == "cls" else "entity_f1"
    training = TrainingArguments(
        output_dir=args.output_dir,
        num_train_epochs=s["epochs"],
        max_steps=args.max_steps,
        learning_rate=s["learning_rate"],
        per_device_train_batch_size=s["batch_size"],
        per_device_eval_batch_size=2 * s["batch_size"],
        gradient_accumulation_steps=s["grad_accumulation"],
        weight_decay=s["weight_decay"],
        adam_beta1=s["beta1"],
        adam_beta2=s["beta2"],
        adam_epsilon=s["epsilon"],
        max_grad_norm=s["max_grad_norm"],  # 0: no clipping, in both
        lr_scheduler_type="linear",
        warmup_steps=math.ceil(s["warmup_ratio"] * total),
        seed=s["seed"],
        data_seed=s["seed"],
        train_sampling_strategy=(
            "group_by_length" if s["group_by_length"] else "random" if s["shuffle"] else "sequential"
        ),
        eval_strategy="epoch" if evaluate else "no",
        save_strategy="epoch" if evaluate and patience else "no",
        load_best_model_at_end=bool(evaluate and patience),
        metric_for_best_model=metric,
        logging_steps=1,
        report_to=[],
        use_cpu=args.cpu,
    )
    collator = (DataCollatorWithPadding if task == "cls" else DataCollatorForTokenClassification)(tokenizer)
    trainer = RecipeTrainer(
        model=model,
        args=training,
        train_dataset=train,
        eval_dataset=dev,
        data_collator=collator,
        compute_metrics=compute_metrics,
        callbacks=[EarlyStoppingCallback(patience)] if evaluate and patience else [],
    )
    trainer.train()
    results = {"first_loss": trainer.first_loss}
    if evaluate:
        results["dev"] = trainer.evaluate()
    if test is not None and args.max_steps <= 0:
        results["test"] = trainer.evaluate(test, metric_key_prefix="test")
    if s["lora_rank"] is not None:
        model = model.merge_and_unload()
    model.save_pretrained(args.output_dir)
    tokenizer.save_pretrained(args.output_dir)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
