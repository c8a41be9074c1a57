"""A group of actors driven as one: each call runs one method, by its name, on every worker."""
import ray

from sft.workers import TrainingWorker


class WorkerGroup:
    def __init__(self, model_name: str, lr: float, size: int):
        self.workers = [TrainingWorker.remote(model_name, lr) for _ in range(size)]

    def execute_all(self, method_name: str, *args):
        return ray.get([getattr(worker, method_name).remote(*args) for worker in self.workers])
