import argparse
import os

import torch
import torchvision


def _parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--out", default=os.environ.get("CKPT_DIR", "checkpoints"))
    return parser.parse_args()


def train():
    args = _parse()
    model = torchvision.models.segmentation.fcn_resnet50(num_classes=21)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    for epoch in range(args.epochs):
        for images, masks in loader(args):
            loss = torch.nn.functional.cross_entropy(model(images)["out"], masks)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        torch.save(model.state_dict(), os.path.join(args.out, f"epoch{epoch}.pt"))


def evaluate():
    args = _parse()
    model = torchvision.models.segmentation.fcn_resnet50(num_classes=21)
    model.load_state_dict(torch.load(os.path.join(args.out, "last.pt")))
    model.eval()
    with torch.no_grad():
        for images, masks in loader(args):
            print((model(images)["out"].argmax(1) == masks).float().mean())


def loader(args):
    data = torch.utils.data.TensorDataset(torch.randn(64, 3, 128, 128), torch.randint(0, 21, (64, 128, 128)))
    return torch.utils.data.DataLoader(data, batch_size=8)
