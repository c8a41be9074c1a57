"""Causal-LM fine-tuning with the Hugging Face Trainer on a preemptible cluster.

With enable_jit_checkpoint=True the Trainer itself catches SIGTERM and writes a checkpoint
before the job is killed; `--resume` picks up from the latest one.

    python train.py --model Qwen/Qwen2.5-0.5B --data data/instructions.jsonl --output-dir runs/sft
"""

import argparse
import logging
import os

import torch
from datasets import load_dataset
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
)
from transformers.trainer_utils import get_last_checkpoint

logger = logging.getLogger("sft")


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="Qwen/Qwen2.5-0.5B")
    parser.add_argument("--data", default="data/instructions.jsonl")
    parser.add_argument("--output-dir", default="runs/sft")
    parser.add_argument("--block-size", type=int, default=1024)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--lr", type=float, default=1e-5)
    return parser.parse_args()


def build_dataset(path, tokenizer, block_size):
    raw = load_dataset("json", data_files={"train": path})["train"]

    def format_and_tokenize(example):
        text = f"### Instruction:\n{example['instruction']}\n\n### Response:\n{example['output']}{tokenizer.eos_token}"
        return tokenizer(text, truncation=True, max_length=block_size)

    return raw.map(format_and_tokenize, remove_columns=raw.column_names)


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO)

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(args.model, torch_dtype=torch.bfloat16)
    train_ds = build_dataset(args.data, tokenizer, args.block_size)

    training_args = TrainingArguments(
        output_dir=args.output_dir,
        num_train_epochs=args.epochs,
        learning_rate=args.lr,
        per_device_train_batch_size=4,
        gradient_accumulation_steps=8,
        lr_scheduler_type="cosine",
        warmup_ratio=0.03,
        bf16=True,
        gradient_checkpointing=True,
        logging_steps=10,
        save_strategy="steps",
        save_steps=500,
        save_total_limit=3,
        enable_jit_checkpoint=True,
        report_to="none",
    )
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=train_ds,
        data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
    )

    last = get_last_checkpoint(args.output_dir) if os.path.isdir(args.output_dir) else None
    if last:
        logger.info("resuming from %s", last)
    trainer.train(resume_from_checkpoint=last)
    trainer.save_model(os.path.join(args.output_dir, "final"))
    tokenizer.save_pretrained(os.path.join(args.output_dir, "final"))


if __name__ == "__main__":
    main()
