import argparse
import os

import torch

from image_classification.training import train_loop


def main(args):
    torch.distributed.init_process_group(backend="nccl", init_method="env://")
    model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(3 * 224 * 224, 1000).cuda())
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.875)
    dataset = torch.utils.data.TensorDataset(torch.randn(64, 3 * 224 * 224), torch.randint(0, 1000, (64,)))
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size,
                                         sampler=torch.utils.data.distributed.DistributedSampler(dataset))
    train_loop(model, optimizer, loader, args.epochs, args.workspace)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="PyTorch ImageNet Training")
    parser.add_argument("--epochs", type=int, default=90)
    parser.add_argument("--lr", type=float, default=0.256)
    parser.add_argument("-b", "--batch-size", type=int, default=256)
    parser.add_argument("--workspace", type=str, default="./")
    main(parser.parse_args())
