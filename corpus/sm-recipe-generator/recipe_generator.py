#!/usr/bin/env python3
"""Asks which model and dataset to fine-tune and writes the recipe the training job reads."""
from pathlib import Path

CHECKPOINT_ROOT = "/opt/ml/checkpoints"
TRAIN_DATA_ROOT = "/opt/ml/input/data/training"


def ask(question: str, default: str) -> str:
    return input(f"{question} [{default}]: ").strip() or default


def main() -> None:
    model = ask("Model id", "Qwen/Qwen3-4B")
    dataset = ask("Dataset file", "train.jsonl")
    recipe = (f"model_name_or_path: {model}\n"
              f"dataset_path: {TRAIN_DATA_ROOT}/{dataset}\n"
              f"output_dir: {CHECKPOINT_ROOT}/{model.replace('/', '--')}\n")
    out = Path("sagemaker_code/recipes") / f"{model.replace('/', '--')}.yaml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(recipe)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
