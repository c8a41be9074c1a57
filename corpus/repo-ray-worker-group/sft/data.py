def batches(path="data/sft.jsonl"):
    with open(path) as source:
        return [{"input_ids": line} for line in source]
