"""Submit the pretraining to Slurm with submitit, in the style of facebookresearch's dino and mae.

    python run_with_submitit.py --nodes 2 --ngpus 8 --epochs 300
"""

import argparse
import os
import uuid
from pathlib import Path

import submitit

import pretrain


def parse_args():
    parser = argparse.ArgumentParser(parents=[pretrain.get_args_parser()], add_help=False)
    parser.add_argument("--ngpus", default=8, type=int)
    parser.add_argument("--nodes", default=2, type=int)
    parser.add_argument("--timeout", default=2800, type=int, help="minutes")
    parser.add_argument("--partition", default="learnfair")
    return parser.parse_args()


def get_init_file():
    shared = Path(os.environ.get("CHECKPOINT_ROOT", "/checkpoint")) / "experiments"
    shared.mkdir(parents=True, exist_ok=True)
    init_file = shared / f"{uuid.uuid4().hex}_init"
    if init_file.exists():
        os.remove(str(init_file))
    return init_file


class Trainer:
    def __init__(self, args):
        self.args = args

    def __call__(self):
        self._setup_gpu_args()
        pretrain.train(self.args)

    def checkpoint(self):
        self.args.dist_url = get_init_file().as_uri()
        latest = os.path.join(self.args.output_dir, "checkpoint.pth")
        if os.path.exists(latest):
            self.args.resume = latest
        print("Requeuing ", self.args)
        return submitit.helpers.DelayedSubmission(type(self)(self.args))

    def _setup_gpu_args(self):
        job_env = submitit.JobEnvironment()
        self.args.output_dir = str(self.args.output_dir).replace("%j", str(job_env.job_id))
        self.args.gpu = job_env.local_rank
        self.args.rank = job_env.global_rank
        self.args.world_size = job_env.num_tasks


def main():
    args = parse_args()
    executor = submitit.AutoExecutor(folder=args.output_dir, slurm_max_num_timeout=30)
    executor.update_parameters(
        mem_gb=40 * args.ngpus, gpus_per_node=args.ngpus, tasks_per_node=args.ngpus, cpus_per_task=10,
        nodes=args.nodes, timeout_min=args.timeout, slurm_partition=args.partition, slurm_signal_delay_s=120,
    )
    args.dist_url = get_init_file().as_uri()
    job = executor.submit(Trainer(args))
    print(f"Submitted job {job.job_id}")


if __name__ == "__main__":
    main()
