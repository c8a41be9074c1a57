"""Token-classification (NER) fine-tuning with the Hugging Face Trainer.

    python train.py --model bert-base-cased --output-dir runs/ner
"""

import argparse
import logging

import numpy as np
from datasets import load_dataset
from transformers import (
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
    Trainer,
    TrainingArguments,
)

from callbacks import SigtermCheckpointCallback

logger = logging.getLogger("ner")


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="bert-base-cased")
    parser.add_argument("--dataset", default="conll2003")
    parser.add_argument("--output-dir", default="runs/ner")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=3e-5)
    return parser.parse_args()


def align_labels(tokenizer, examples):
    tokenized = tokenizer(examples["tokens"], truncation=True, is_split_into_words=True)
    all_labels = []
    for i, tags in enumerate(examples["ner_tags"]):
        word_ids = tokenized.word_ids(batch_index=i)
        previous, labels = None, []
        for word_id in word_ids:
            labels.append(-100 if word_id is None or word_id == previous else tags[word_id])
            previous = word_id
        all_labels.append(labels)
    tokenized["labels"] = all_labels
    return tokenized


def token_accuracy(eval_pred):
    logits, labels = eval_pred
    preds = np.argmax(logits, axis=-1)
    mask = labels != -100
    return {"token_accuracy": float((preds[mask] == labels[mask]).mean())}


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO)

    raw = load_dataset(args.dataset)
    label_names = raw["train"].features["ner_tags"].feature.names
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    encoded = raw.map(lambda ex: align_labels(tokenizer, ex), batched=True,
                      remove_columns=raw["train"].column_names)
    model = AutoModelForTokenClassification.from_pretrained(args.model, num_labels=len(label_names))

    sigterm_cb = SigtermCheckpointCallback(args.output_dir)
    trainer = Trainer(
        model=model,
        args=TrainingArguments(
            output_dir=args.output_dir,
            num_train_epochs=args.epochs,
            learning_rate=args.lr,
            per_device_train_batch_size=16,
            eval_strategy="epoch",
            save_strategy="epoch",
            logging_steps=50,
        ),
        train_dataset=encoded["train"],
        eval_dataset=encoded["validation"],
        data_collator=DataCollatorForTokenClassification(tokenizer),
        compute_metrics=token_accuracy,
        callbacks=[sigterm_cb],
    )
    sigterm_cb.attach(trainer)

    trainer.train()
    trainer.save_model(f"{args.output_dir}/final")


if __name__ == "__main__":
    main()
