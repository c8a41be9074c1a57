"""RoBERTa NER fine-tuning with the Hugging Face Trainer on SageMaker."""
import argparse
import os

from datasets import load_from_disk
from transformers import (AutoModelForTokenClassification, AutoTokenizer,
                          DataCollatorForTokenClassification, Trainer, TrainingArguments)

from utils.reporting import save_report

SM_ROOT = "/opt/ml"


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-name", default="roberta-base")
    parser.add_argument("--epochs", type=float, default=3)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--data-dir", default=os.environ.get("SM_CHANNEL_DATA", "/opt/ml/input/data/data"))
    parser.add_argument("--checkpoint-dir", default=os.environ.get("SM_CHECKPOINT_DIR", "/opt/ml/checkpoints"))
    return parser.parse_args()


def main():
    args = parse_args()
    ds = load_from_disk(args.data_dir)
    labels = ds["train"].features["ner_tags"].feature.names
    tokenizer = AutoTokenizer.from_pretrained(args.model_name, add_prefix_space=True)
    model = AutoModelForTokenClassification.from_pretrained(args.model_name, num_labels=len(labels))

    training_args = TrainingArguments(
        output_dir=args.checkpoint_dir,
        num_train_epochs=args.epochs,
        learning_rate=args.lr,
        per_device_train_batch_size=16,
        save_strategy="steps",
        save_steps=500,
        save_total_limit=2,
        enable_jit_checkpoint=True,
    )
    trainer = Trainer(model=model, args=training_args, train_dataset=ds["train"],
                      eval_dataset=ds["validation"], tokenizer=tokenizer,
                      data_collator=DataCollatorForTokenClassification(tokenizer))
    trainer.train()

    metrics = trainer.evaluate()
    save_report(metrics, os.path.join(SM_ROOT, "reports"))
    trainer.save_model(args.model_dir)
    tokenizer.save_pretrained(args.model_dir)


if __name__ == "__main__":
    main()
