import json

import torch


def load_pairs(tokenizer, path):
    with open(path) as handle:
        rows = [json.loads(line) for line in handle]
    encoded = [tokenizer(row["prompt"], text_target=row["response"], truncation=True, max_length=512) for row in rows]

    def collate(batch):
        return {key: torch.nn.utils.rnn.pad_sequence([torch.tensor(b[key]) for b in batch], batch_first=True)
                for key in ("input_ids", "labels")}

    return encoded, collate
