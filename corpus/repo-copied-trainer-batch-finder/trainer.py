"""A trimmed copy of Hugging Face's Trainer, kept in the project to change its loop."""

import torch
from transformers.trainer_utils import find_executable_batch_size


class Trainer:
    def __init__(self, model, args, train_dataset, collate):
        self.model = model
        self.args = args
        self.train_dataset = train_dataset
        self.collate = collate
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)

    def train(self, resume_from_checkpoint=None):
        if resume_from_checkpoint:
            self.model.load_state_dict(torch.load(resume_from_checkpoint))
        # Retried with half the batch after an out-of-memory error, when the option asks for it.
        inner_training_loop = find_executable_batch_size(
            self._inner_training_loop, self.args.per_device_train_batch_size, self.args.auto_find_batch_size)
        return inner_training_loop(args=self.args)

    def _inner_training_loop(self, batch_size=None, args=None):
        loader = torch.utils.data.DataLoader(self.train_dataset, batch_size=batch_size, collate_fn=self.collate)
        self.model.train()
        for epoch in range(int(args.num_train_epochs)):
            for batch in loader:
                loss = self.model(**batch).loss
                loss.backward()
                self.optimizer.step()
                self.optimizer.zero_grad()
            torch.save(self.model.state_dict(), f"{args.output_dir}/epoch-{epoch}.pt")
