"""Fine-tune a T5 summariser with accelerate (mixed precision, gradient accumulation).

    accelerate launch --mixed_precision bf16 train.py --output-dir runs/t5-sum
"""

import argparse
import logging
import math
import os

import torch
from accelerate import Accelerator
from accelerate.logging import get_logger
from datasets import load_dataset
from torch.utils.data import DataLoader
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, DataCollatorForSeq2Seq, get_linear_schedule_with_warmup

from utils import preemption

logger = get_logger(__name__)


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="t5-small")
    parser.add_argument("--output-dir", default="runs/t5-sum")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--grad-accum", type=int, default=4)
    return parser.parse_args()


def build_dataloaders(tokenizer, model, batch_size):
    raw = load_dataset("cnn_dailymail", "3.0.0")

    def preprocess(batch):
        inputs = tokenizer(["summarize: " + a for a in batch["article"]], max_length=512, truncation=True)
        inputs["labels"] = tokenizer(text_target=batch["highlights"], max_length=128, truncation=True)["input_ids"]
        return inputs

    encoded = raw.map(preprocess, batched=True, remove_columns=raw["train"].column_names)
    collator = DataCollatorForSeq2Seq(tokenizer, model=model)
    train_dataloader = DataLoader(encoded["train"], shuffle=True, batch_size=batch_size, collate_fn=collator)
    eval_dataloader = DataLoader(encoded["validation"], batch_size=batch_size, collate_fn=collator)
    return train_dataloader, eval_dataloader


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO)
    accelerator = Accelerator(gradient_accumulation_steps=args.grad_accum, log_with="tensorboard",
                              project_dir=args.output_dir)
    preemption.install_stop_handler()

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForSeq2SeqLM.from_pretrained(args.model)
    train_dataloader, eval_dataloader = build_dataloaders(tokenizer, model, args.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    total_steps = args.epochs * math.ceil(len(train_dataloader) / args.grad_accum)
    lr_scheduler = get_linear_schedule_with_warmup(optimizer, 500, total_steps)
    model, optimizer, train_dataloader, eval_dataloader, lr_scheduler = accelerator.prepare(
        model, optimizer, train_dataloader, eval_dataloader, lr_scheduler)

    state_dir = os.path.join(args.output_dir, "state")
    start_epoch = 0
    if os.path.isdir(state_dir):
        accelerator.load_state(state_dir)
        start_epoch = int(open(os.path.join(state_dir, "epoch.txt")).read())

    for epoch in range(start_epoch, args.epochs):
        model.train()
        for step, batch in enumerate(train_dataloader):
            with accelerator.accumulate(model):
                loss = model(**batch).loss
                accelerator.backward(loss)
                optimizer.step()
                lr_scheduler.step()
                optimizer.zero_grad()
            if step % 100 == 0:
                accelerator.log({"train_loss": loss.item()}, step=epoch * len(train_dataloader) + step)
            if preemption.STOP_EVENT.is_set():
                break

        if preemption.STOP_EVENT.is_set():
            # Mid-epoch stop: save everything and restart this epoch on resume.
            accelerator.save_state(state_dir)
            if accelerator.is_main_process:
                with open(os.path.join(state_dir, "epoch.txt"), "w") as handle:
                    handle.write(str(epoch))
            logger.warning("stop requested: state saved at epoch %d step %d", epoch, step)
            return

        model.eval()
        eval_loss, batches = 0.0, 0
        for batch in eval_dataloader:
            if preemption.STOP_EVENT.is_set():
                break
            with torch.no_grad():
                eval_loss += accelerator.gather(model(**batch).loss).mean().item()
            batches += 1
        logger.info("epoch %d eval_loss %.4f", epoch, eval_loss / max(batches, 1))

        accelerator.save_state(state_dir)
        if accelerator.is_main_process:
            with open(os.path.join(state_dir, "epoch.txt"), "w") as handle:
                handle.write(str(epoch + 1))
        if preemption.STOP_EVENT.is_set():
            return

    accelerator.wait_for_everyone()
    unwrapped = accelerator.unwrap_model(model)
    unwrapped.save_pretrained(os.path.join(args.output_dir, "final"), save_function=accelerator.save)
    if accelerator.is_main_process:
        tokenizer.save_pretrained(os.path.join(args.output_dir, "final"))
    accelerator.end_training()


if __name__ == "__main__":
    main()
