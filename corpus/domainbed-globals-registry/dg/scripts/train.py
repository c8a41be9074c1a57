import argparse
import json
import os

import torch

from dg import algorithms


def domain_minibatches(n_domains, batch_size=32):
    while True:
        yield [(torch.randn(batch_size, 512), torch.randint(0, 7, (batch_size,))) for _ in range(n_domains)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Domain generalization")
    parser.add_argument("--algorithm", type=str, default="ERM")
    parser.add_argument("--steps", type=int, default=5001)
    parser.add_argument("--checkpoint_freq", type=int, default=1000)
    parser.add_argument("--output_dir", type=str, default=os.environ.get("SM_MODEL_DIR", "train_output"))
    args = parser.parse_args()

    algorithm_class = algorithms.get_algorithm_class(args.algorithm)
    algorithm = algorithm_class(7, {"lr": 5e-5})
    train_minibatches_iterator = domain_minibatches(3)
    for step in range(args.steps):
        step_vals = algorithm.update(next(train_minibatches_iterator))
        if step % args.checkpoint_freq == 0:
            print(json.dumps({"step": step, **step_vals}))
            torch.save({"model_dict": algorithm.state_dict()}, os.path.join(args.output_dir, "model.pkl"))
