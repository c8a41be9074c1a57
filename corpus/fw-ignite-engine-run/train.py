"""Train a CIFAR-10 classifier with PyTorch Ignite, checkpointing every epoch.

    python train.py --epochs 200 --output-dir /checkpoints/cifar10
"""

import argparse

import torch
from ignite.engine import Engine, Events, create_supervised_evaluator
from ignite.handlers import Checkpoint, DiskSaver
from ignite.metrics import Accuracy, Loss

from data import loaders
from model import resnet20


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--output-dir", default="checkpoints")
    return parser.parse_args()


def main():
    args = parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = resnet20().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    criterion = torch.nn.CrossEntropyLoss()
    train_loader, test_loader = loaders()

    def train_step(engine, batch):
        model.train()
        images, labels = (t.to(device, non_blocking=True) for t in batch)
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    trainer = Engine(train_step)
    evaluator = create_supervised_evaluator(model, metrics={"accuracy": Accuracy(), "loss": Loss(criterion)}, device=device)

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(engine):
        evaluator.run(test_loader)
        print(f"epoch {engine.state.epoch}: {evaluator.state.metrics}")

    to_save = {"model": model, "optimizer": optimizer, "trainer": trainer}
    checkpoint = Checkpoint(to_save, DiskSaver(args.output_dir, require_empty=False), n_saved=2)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, checkpoint)
    trainer.run(train_loader, max_epochs=args.epochs)


if __name__ == "__main__":
    main()
