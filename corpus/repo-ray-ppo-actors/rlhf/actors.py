"""Policy and critic workers. Each runs in its own Ray actor, on its own GPU."""
import torch
from transformers import AutoModelForCausalLM


class BasePPORole:
    def __init__(self, pretrain, lr):
        self.model = AutoModelForCausalLM.from_pretrained(pretrain)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=lr)

    def fit(self, batches, epochs):
        for epoch in range(epochs):
            for batch in batches:
                loss = self.model(**batch).loss
                loss.backward()
                self.optimizer.step()
                self.optimizer.zero_grad()

    def save_checkpoint(self, path):
        self.model.save_pretrained(path)


class PolicyRole(BasePPORole):
    def generate(self, prompts):
        with torch.no_grad():
            return self.model.generate(**prompts)


class CriticRole(BasePPORole):
    pass
