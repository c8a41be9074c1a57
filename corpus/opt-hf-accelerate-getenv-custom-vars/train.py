"""T5 summarisation with a custom Accelerate loop, SageMaker Hugging Face container."""
import argparse
import math
import os
import signal
import threading
from pathlib import Path

import torch
from accelerate import Accelerator
from datasets import load_from_disk
from torch.utils.data import DataLoader
from torch.utils.tensorboard import SummaryWriter
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, DataCollatorForSeq2Seq

stop_event = threading.Event()


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-name", default="t5-small")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--save-every", type=int, default=500)
    parser.add_argument("--model-dir", default=os.getenv("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--dataset-dir", default=os.getenv("SM_CHANNEL_DATASET", "/opt/ml/input/data/dataset"))
    parser.add_argument("--checkpoint-dir", default=os.getenv("CKPT_DIR", "/opt/ml/checkpoints/t5"))
    parser.add_argument("--tb-dir", default=os.getenv("TENSORBOARD_DIR", "/opt/ml/output/tensorboard"))
    return parser.parse_args()


def main():
    args = parse_args()
    accelerator = Accelerator()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop_event.set())

    tokenizer = AutoTokenizer.from_pretrained(args.model_name)
    model = AutoModelForSeq2SeqLM.from_pretrained(args.model_name)
    ds = load_from_disk(args.dataset_dir)
    loader = DataLoader(ds["train"], batch_size=args.batch_size, shuffle=True,
                        collate_fn=DataCollatorForSeq2Seq(tokenizer, model=model))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)

    ckpt_dir = Path(args.checkpoint_dir)
    if ckpt_dir.exists() and any(ckpt_dir.iterdir()):
        accelerator.load_state(str(ckpt_dir))
    writer = SummaryWriter(log_dir=args.tb_dir) if accelerator.is_main_process else None

    step = 0
    for epoch in range(args.epochs):
        for batch in loader:
            loss = model(**batch).loss
            accelerator.backward(loss)
            optimizer.step()
            optimizer.zero_grad()
            step += 1
            if writer and step % 50 == 0:
                writer.add_scalar("train/loss", loss.item(), step)
                writer.add_scalar("train/ppl", math.exp(min(loss.item(), 20)), step)
            if step % args.save_every == 0 or stop_event.is_set():
                accelerator.save_state(str(ckpt_dir))
            if stop_event.is_set():
                break
        if stop_event.is_set():
            break

    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        out = Path(args.model_dir)
        accelerator.unwrap_model(model).save_pretrained(out, safe_serialization=True)
        tokenizer.save_pretrained(out)
        (out / "training_done.txt").write_text(f"epochs={epoch + 1} steps={step}\n")
        writer.close()


if __name__ == "__main__":
    main()
