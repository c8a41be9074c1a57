"""The training worker: one Ray actor per GPU, holding its shard of the model."""
import torch
import ray
from transformers import AutoModelForCausalLM


@ray.remote(num_gpus=1)
class TrainingWorker:
    def __init__(self, model_name: str, lr: float):
        self.model_name = model_name
        self.lr = lr

    def init_model(self):
        self.model = AutoModelForCausalLM.from_pretrained(self.model_name).cuda()
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=self.lr)

    def fit(self, batches, epochs):
        for _ in range(epochs):
            for batch in batches:
                loss = self.model(**batch).loss
                loss.backward()
                self.optimizer.step()
                self.optimizer.zero_grad()

    def save_checkpoint(self, folder):
        self.model.save_pretrained(folder)
