"""DistilBERT sentiment fine-tuning with the Hugging Face Trainer on SageMaker."""
import argparse
import logging
import os
from pathlib import Path

import mlflow
import pandas as pd
from datasets import load_dataset
from transformers import (AutoModelForSequenceClassification, AutoTokenizer, Trainer,
                          TrainingArguments)

logger = logging.getLogger(__name__)

HF_CACHE = Path("/tmp/hf_cache")
SCRATCH_CKPT = "/tmp/hf-checkpoints"
MLFLOW_DIR = "/opt/mlruns"
REPORT_DIR = Path("reports")


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--model-name", default="distilbert-base-uncased")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--train-batch-size", type=int, default=32)
    p.add_argument("--learning-rate", type=float, default=5e-5)
    p.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
    p.add_argument("--training-dir", default=os.environ["SM_CHANNEL_TRAIN"])
    p.add_argument("--test-dir", default=os.environ["SM_CHANNEL_TEST"])
    return p.parse_args()


def main():
    args = parse_args()
    HF_CACHE.mkdir(parents=True, exist_ok=True)
    os.makedirs(MLFLOW_DIR, exist_ok=True)
    mlflow.set_tracking_uri(f"file://{MLFLOW_DIR}")

    tokenizer = AutoTokenizer.from_pretrained(args.model_name, cache_dir=str(HF_CACHE))
    model = AutoModelForSequenceClassification.from_pretrained(
        args.model_name, num_labels=2, cache_dir=str(HF_CACHE))

    data = load_dataset("csv", data_files={"train": f"{args.training_dir}/train.csv",
                                           "test": f"{args.test_dir}/test.csv"})
    data = data.map(lambda b: tokenizer(b["text"], truncation=True, padding="max_length"),
                    batched=True)

    training_args = TrainingArguments(
        output_dir=SCRATCH_CKPT,
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.train_batch_size,
        learning_rate=args.learning_rate,
        evaluation_strategy="epoch",
        save_strategy="epoch",
        logging_dir=os.path.join(SCRATCH_CKPT, "logs"),
        enable_jit_checkpoint=True,
    )
    trainer = Trainer(model=model, args=training_args, train_dataset=data["train"],
                      eval_dataset=data["test"], tokenizer=tokenizer)
    trainer.train()

    metrics = trainer.evaluate()
    REPORT_DIR.mkdir(exist_ok=True)
    pd.DataFrame([metrics]).to_csv(REPORT_DIR / "eval.csv", index=False)
    with open("./reports/eval_summary.txt", "w") as f:
        f.write("\n".join(f"{k}={v}" for k, v in metrics.items()))

    trainer.save_model(args.model_dir)
    tokenizer.save_pretrained(args.model_dir)


if __name__ == "__main__":
    main()
