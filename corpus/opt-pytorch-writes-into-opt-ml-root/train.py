"""Object-detection fine-tuning driven by a YAML config (PyTorch, SageMaker)."""
import argparse
import datetime
import json
import os
import shutil
import signal
import sys

import torch
import yaml
from torch.utils.data import DataLoader

from detection import CocoDetection, build_detector, collate

ROOT = "/opt/ml"
stopping = False


def on_sigterm(signum, frame):
    global stopping
    stopping = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="configs/frcnn.yaml")
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
    args, _ = parser.parse_known_args()

    with open(args.config) as f:
        cfg = yaml.safe_load(f)
    run_id = datetime.datetime.utcnow().strftime("%Y%m%d-%H%M%S")
    shutil.copy(args.config, ROOT)

    model = build_detector(**cfg["model"]).cuda()
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["train"]["lr"], weight_decay=1e-4)
    loader = DataLoader(CocoDetection(args.train), batch_size=cfg["train"]["batch_size"],
                        shuffle=True, collate_fn=collate, num_workers=4)
    signal.signal(signal.SIGTERM, on_sigterm)

    losses = []
    for epoch in range(cfg["train"]["epochs"]):
        for images, targets in loader:
            loss_dict = model([i.cuda() for i in images], [{k: v.cuda() for k, v in t.items()} for t in targets])
            loss = sum(loss_dict.values())
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            optimizer.step()
            if stopping:
                break
        losses.append(loss.item())
        if stopping:
            break

    torch.save(model.state_dict(), os.path.join(args.model_dir, "detector.pt"))
    with open("%s/run_%s.json" % (ROOT, run_id), "w") as f:
        json.dump({"config": cfg, "losses": losses, "interrupted": stopping}, f)
    if stopping:
        sys.exit(0)


if __name__ == "__main__":
    main()
