import argparse

import yaml
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    args, _ = parser.parse_known_args()
    with open(args.config) as handle:
        recipe = yaml.safe_load(handle)
    tokenizer = AutoTokenizer.from_pretrained(recipe["model_name_or_path"])
    model = AutoModelForCausalLM.from_pretrained(recipe["model_name_or_path"])
    data = load_dataset("json", data_files=recipe["dataset_path"])["train"]
    training_args = TrainingArguments(output_dir=recipe["output_dir"], save_steps=200)
    trainer = Trainer(model=model, args=training_args, train_dataset=data, tokenizer=tokenizer)
    trainer.train()
    trainer.save_model("/opt/ml/model")


if __name__ == "__main__":
    main()
