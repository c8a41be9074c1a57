"""EfficientNet-B0 classification on an ImageFolder dataset, mixed precision."""
import argparse

import timm
import torch
from torch.cuda.amp import GradScaler
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from engine import evaluate, train_one_epoch
from utils.checkpoint import latest_checkpoint, save_checkpoint


def get_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/data/imagenette")
    parser.add_argument("--output", default="/checkpoints/effnet")
    parser.add_argument("--epochs", type=int, default=90)
    parser.add_argument("--batch-size", type=int, default=96)
    parser.add_argument("--lr", type=float, default=0.05)
    return parser.parse_args()


def main():
    args = get_args()
    device = torch.device("cuda")
    norm = transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    train_ds = datasets.ImageFolder(f"{args.data}/train", transforms.Compose(
        [transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), transforms.ToTensor(), norm]))
    val_ds = datasets.ImageFolder(f"{args.data}/val", transforms.Compose(
        [transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(), norm]))
    train_loader = DataLoader(train_ds, args.batch_size, shuffle=True, num_workers=8, pin_memory=True, drop_last=True)
    val_loader = DataLoader(val_ds, args.batch_size, num_workers=8)

    model = timm.create_model("efficientnet_b0", num_classes=len(train_ds.classes)).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=1e-5)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, args.lr, epochs=args.epochs,
                                                    steps_per_epoch=len(train_loader))
    scaler = GradScaler()

    start_epoch = 0
    resume = latest_checkpoint(args.output)
    if resume:
        state = torch.load(resume, map_location=device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scaler.load_state_dict(state["scaler"])
        start_epoch = state["epoch"] + 1
        print(f"resuming from {resume}")

    for epoch in range(start_epoch, args.epochs):
        train_loss = train_one_epoch(model, train_loader, optimizer, scheduler, scaler, device)
        acc = evaluate(model, val_loader, device)
        print(f"epoch {epoch}: train_loss={train_loss:.4f} val_acc={acc:.4f}")
        save_checkpoint(args.output, epoch, model, optimizer, scaler)

    torch.save(model.state_dict(), f"{args.output}/final.pt")


if __name__ == "__main__":
    main()
