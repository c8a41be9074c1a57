"""SFT on a Ray worker group, laid out as verl's Ray trainer is. No SIGTERM handler: a stop ends
the driver and the workers die with it, their progress unsaved."""
import ray

from sft.data import batches
from sft.worker_group import WorkerGroup


def main():
    ray.init()
    group = WorkerGroup("Qwen/Qwen2.5-0.5B", 1e-5, size=4)
    group.execute_all("init_model")
    group.execute_all("fit", batches(), 3)
    group.execute_all("save_checkpoint", "checkpoints/final")


if __name__ == "__main__":
    main()
