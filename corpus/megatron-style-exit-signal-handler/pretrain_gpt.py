import argparse
import signal

import torch

from megatron_lite.training import set_signal_handler, train


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-iters", type=int, default=500000)
    parser.add_argument("--save", default="checkpoints")
    parser.add_argument("--save-interval", type=int, default=1000)
    parser.add_argument("--exit-signal-handler", action="store_true",
                        help="Save a checkpoint and exit when the exit signal arrives.")
    parser.add_argument("--exit-signal", type=lambda name: signal.Signals[name], default=signal.SIGTERM)
    return parser.parse_args()


def batches():
    while True:
        yield torch.randn(16, 1024, device="cuda")


def main():
    args = parse_args()
    if args.exit_signal_handler:
        set_signal_handler(args.exit_signal)
    model = torch.nn.Sequential(torch.nn.Linear(1024, 4096), torch.nn.GELU(), torch.nn.Linear(4096, 1024)).cuda()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    train(args, model, optimizer, batches())


if __name__ == "__main__":
    main()
