"""Batches of a small instruction dataset. Its top-level `try` only picks a tokenizer: a library
module, not a script."""
try:
    from transformers import AutoTokenizer
except ImportError:  # the examples need transformers; say so when they run
    AutoTokenizer = None


def batches(split, size=8):
    tokenizer = AutoTokenizer.from_pretrained("facebook/opt-125m")
    texts = [f"{split} example {i}" for i in range(64)]
    for start in range(0, len(texts), size):
        encoded = tokenizer(texts[start:start + size], return_tensors="pt", padding=True)
        yield {**encoded, "labels": encoded["input_ids"]}
