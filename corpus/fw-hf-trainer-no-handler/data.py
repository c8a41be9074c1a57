from datasets import load_dataset


def load_and_tokenize(name, tokenizer, max_length):
    raw = load_dataset(name)
    label_names = raw["train"].features["label"].names

    def tokenize(batch):
        return tokenizer(batch["text"], truncation=True, max_length=max_length)

    encoded = raw.map(tokenize, batched=True, remove_columns=["text"])
    eval_split = "validation" if "validation" in encoded else "test"
    return encoded["train"], encoded[eval_split], label_names
