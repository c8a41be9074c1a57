"""Scores the fine-tuned model on held-out pairs, finding the largest batch that fits: no training."""

import sys

import torch
from accelerate.utils import find_executable_batch_size
from transformers import AutoModel, AutoTokenizer

from data import load_pairs


def score(model, dataset, collate):
    @find_executable_batch_size(starting_batch_size=64)
    def evaluate(batch_size):
        losses = []
        with torch.no_grad():
            for batch in torch.utils.data.DataLoader(dataset, batch_size=batch_size, collate_fn=collate):
                losses.append(model(**batch).loss.item())
        return sum(losses) / max(len(losses), 1)

    return evaluate()


if __name__ == "__main__":
    tokenizer = AutoTokenizer.from_pretrained("THUDM/chatglm-6b", trust_remote_code=True)
    model = AutoModel.from_pretrained(sys.argv[1], trust_remote_code=True).eval()
    print(score(model, *load_pairs(tokenizer, "test.json")))
