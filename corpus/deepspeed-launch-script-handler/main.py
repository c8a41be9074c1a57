"""Supervised fine-tuning with DeepSpeed, started by training_scripts/run_1node.sh. The SIGTERM
handler saves a checkpoint, but on one node the deepspeed runner never passes the signal on."""
import argparse
import signal
import sys

import deepspeed
import torch
from transformers import AutoModelForCausalLM

stop = {"requested": False}


def request_stop(signum, frame):
    stop["requested"] = True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model_name_or_path", required=True)
    parser.add_argument("--output_dir", required=True)
    parser.add_argument("--local_rank", type=int, default=-1)
    parser = deepspeed.add_config_arguments(parser)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, request_stop)

    deepspeed.init_distributed()
    model = AutoModelForCausalLM.from_pretrained(args.model_name_or_path)
    engine, _, loader, _ = deepspeed.initialize(args=args, model=model, model_parameters=model.parameters(),
                                                training_data=build_dataset(args))
    for epoch in range(3):
        for batch in loader:
            loss = engine(**batch).loss
            engine.backward(loss)
            engine.step()
            if stop["requested"]:
                engine.save_checkpoint(args.output_dir)
                sys.exit(0)
        engine.save_checkpoint(args.output_dir)


def build_dataset(args):
    return torch.load(f"{args.model_name_or_path}/train.pt")


if __name__ == "__main__":
    main()
