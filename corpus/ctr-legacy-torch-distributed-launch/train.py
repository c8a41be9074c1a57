import argparse
import signal
import sys

import torch
import torch.distributed as dist

STOP = False


def request_stop(signum, frame):
    global STOP
    STOP = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--local_rank", type=int, default=0)
    args, _ = parser.parse_known_args()
    dist.init_process_group("nccl")
    torch.cuda.set_device(args.local_rank)
    signal.signal(signal.SIGTERM, request_stop)
    model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(512, 10).cuda(), device_ids=[args.local_rank])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(1_000_000):
        loss = model(torch.randn(64, 512).cuda()).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if STOP:
            if dist.get_rank() == 0:
                torch.save(model.module.state_dict(), "/opt/ml/checkpoints/model.pt")
            sys.exit(0)


if __name__ == "__main__":
    main()
