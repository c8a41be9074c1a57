"""ViT-B/16 fine-tuning on a food-image dataset, PyTorch on SageMaker GPU instances."""
import argparse
import logging
import os
import signal
import sys

import timm
import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from cuda_probe import check_driver, gpu_memory_mb

logging.basicConfig(level=logging.INFO)
log = logging.getLogger("train")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
    args, _ = parser.parse_known_args()

    n_gpus = check_driver()
    batch_size = 64 if gpu_memory_mb() >= 40_000 else 24
    log.info("%d GPUs, batch size %d", n_gpus, batch_size)

    tfm = transforms.Compose([transforms.RandomResizedCrop(224), transforms.ToTensor()])
    loader = DataLoader(datasets.ImageFolder(args.train, tfm), batch_size=batch_size, shuffle=True, num_workers=8)
    model = timm.create_model("vit_base_patch16_224", pretrained=True, num_classes=101).cuda()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-5)
    scaler = torch.cuda.amp.GradScaler()

    def on_sigterm(signum, frame):
        torch.save(model.state_dict(), os.path.join(args.model_dir, "model.pt"))
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    for epoch in range(args.epochs):
        for images, labels in loader:
            with torch.autocast("cuda", dtype=torch.float16):
                loss = torch.nn.functional.cross_entropy(model(images.cuda()), labels.cuda())
            optimizer.zero_grad()
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()

    torch.save(model.state_dict(), os.path.join(args.model_dir, "model.pt"))


if __name__ == "__main__":
    main()
