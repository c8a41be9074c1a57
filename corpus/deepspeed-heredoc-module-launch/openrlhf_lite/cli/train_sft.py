import argparse
import os
import signal
import sys

import deepspeed
import torch
from transformers import AutoModelForCausalLM


class SFTTrainer:
    def __init__(self, engine, loader, save_path):
        self.engine = engine
        self.loader = loader
        self.save_path = save_path
        signal.signal(signal.SIGTERM, self.on_sigterm)

    def on_sigterm(self, signum, frame):
        # every rank saves its shard of the ZeRO state, then the job ends
        self.engine.save_checkpoint(os.path.join(self.save_path, "preempted"))
        sys.exit(0)

    def fit(self, epochs):
        for epoch in range(epochs):
            for batch in self.loader:
                loss = self.engine(**batch).loss
                self.engine.backward(loss)
                self.engine.step()
            self.engine.save_checkpoint(self.save_path, tag=f"epoch{epoch}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pretrain", required=True)
    parser.add_argument("--save_path", default="./ckpt")
    parser.add_argument("--max_epochs", type=int, default=2)
    parser.add_argument("--zero_stage", type=int, default=2)
    parser.add_argument("--local_rank", type=int, default=-1)
    args = parser.parse_args()
    model = AutoModelForCausalLM.from_pretrained(args.pretrain, torch_dtype=torch.bfloat16)
    config = {"train_micro_batch_size_per_gpu": 2, "zero_optimization": {"stage": args.zero_stage},
              "optimizer": {"type": "AdamW", "params": {"lr": 5e-6}}, "bf16": {"enabled": True}}
    engine, _, loader, _ = deepspeed.initialize(model=model, config=config, training_data=load_dataset(args))
    SFTTrainer(engine, loader, args.save_path).fit(args.max_epochs)


def load_dataset(args):
    return torch.utils.data.TensorDataset(torch.randint(0, 32000, (1024, 512)))


if __name__ == "__main__":
    main()
