def prompt_batches(size=8):
    from datasets import load_dataset

    prompts = load_dataset("trl-lib/tldr", split="train")
    return [prompts[i:i + size] for i in range(0, len(prompts), size)]
