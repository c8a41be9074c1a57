import yaml
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments


def run_exp(config_path):
    with open(config_path) as handle:
        config = yaml.safe_load(handle)
    model = AutoModelForCausalLM.from_pretrained(config["model"])
    args = TrainingArguments(output_dir=config["output_dir"], save_steps=500)
    trainer = Trainer(model=model, args=args, train_dataset=load_dataset(config))
    trainer.train()


def load_dataset(config):
    from datasets import load_dataset as hub_dataset

    return hub_dataset(config["dataset"], split="train")


def export_model(config_path):
    with open(config_path) as handle:
        config = yaml.safe_load(handle)
    AutoModelForCausalLM.from_pretrained(config["output_dir"]).save_pretrained(config["export_dir"])
    return 0
