"""Fine-tune a classifier with MosaicML Composer, checkpointing every epoch."""

import argparse

import torch
from composer import Trainer
from composer.algorithms import LabelSmoothing
from composer.models import ComposerClassifier
from torch.utils.data import DataLoader
from torchvision import datasets, models, transforms


def build_trainer(args):
    data = datasets.ImageFolder(args.data, transforms.Compose([transforms.RandomResizedCrop(224), transforms.ToTensor()]))
    model = ComposerClassifier(models.resnet50(num_classes=len(data.classes)), num_classes=len(data.classes))
    return Trainer(
        model=model,
        train_dataloader=DataLoader(data, batch_size=args.batch_size, shuffle=True, num_workers=8),
        optimizers=torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9),
        max_duration=f"{args.epochs}ep",
        algorithms=[LabelSmoothing(smoothing=0.1)],
        save_folder=args.checkpoints,
        save_interval="1ep",
        autoresume=True,
        run_name="resnet50-finetune",
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/data/train")
    parser.add_argument("--checkpoints", default="/checkpoints")
    parser.add_argument("--epochs", type=int, default=90)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args()
    trainer = build_trainer(args)
    try:
        trainer.fit()
    except Exception:
        trainer.save_checkpoint(f"{args.checkpoints}/crashed.pt")
        raise
    finally:
        trainer.close()


if __name__ == "__main__":
    main()
