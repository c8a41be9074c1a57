import torch

from kit.pipelines.base import Pipeline


class Sft(Pipeline):
    def run(self):
        model = torch.nn.Linear(16, 16)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
        for step in range(self.args.max_steps):
            loss = model(torch.randn(8, 16)).pow(2).mean()
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        torch.save(model.state_dict(), self.args.output)
