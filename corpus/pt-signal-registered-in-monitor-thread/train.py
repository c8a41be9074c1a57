"""Fine-tune DistilBERT for intent classification with a plain PyTorch loop."""
import argparse
import logging
import os
import signal
import threading

import torch
from datasets import load_dataset
from torch.utils.data import DataLoader
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

from utils.monitor import run_gpu_monitor

logger = logging.getLogger("intent")
stop_event = threading.Event()


def on_sigterm(signum, frame):
    stop_event.set()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="distilbert-base-uncased")
    ap.add_argument("--dataset", default="clinc_oos")
    ap.add_argument("--out", default="/opt/ml/model")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=32)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    signal.signal(signal.SIGTERM, on_sigterm)
    monitor = threading.Thread(target=run_gpu_monitor, args=(stop_event, os.path.join(args.out, "gpu.jsonl")),
                               daemon=True, name="gpu-monitor")
    monitor.start()

    tok = AutoTokenizer.from_pretrained(args.model)
    ds = load_dataset(args.dataset, "plus", split="train")
    ds = ds.map(lambda b: tok(b["text"], truncation=True, padding="max_length", max_length=64), batched=True)
    ds.set_format("torch", columns=["input_ids", "attention_mask", "intent"])
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True)

    model = AutoModelForSequenceClassification.from_pretrained(args.model, num_labels=151).cuda()
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
    scheduler = get_linear_schedule_with_warmup(optimizer, 500, args.epochs * len(loader))

    for epoch in range(args.epochs):
        for batch in loader:
            if stop_event.is_set():
                break
            out = model(input_ids=batch["input_ids"].cuda(), attention_mask=batch["attention_mask"].cuda(),
                        labels=batch["intent"].cuda())
            out.loss.backward()
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
        if stop_event.is_set():
            logger.info("SIGTERM: saving partial model after epoch %d", epoch)
            break

    model.save_pretrained(args.out)
    tok.save_pretrained(args.out)
    stop_event.set()
    monitor.join(timeout=5)


if __name__ == "__main__":
    main()
