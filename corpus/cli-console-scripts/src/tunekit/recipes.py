import yaml
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

from tunekit.data import load_dataset_from


def run_recipe(config_path, output_dir):
    with open(config_path) as handle:
        recipe = yaml.safe_load(handle)
    model = AutoModelForCausalLM.from_pretrained(recipe["model"])
    args = TrainingArguments(output_dir=output_dir, num_train_epochs=recipe.get("epochs", 1),
                             save_steps=recipe.get("save_steps", 500), learning_rate=recipe.get("lr", 2e-5))
    trainer = Trainer(model=model, args=args, train_dataset=load_dataset_from(recipe["data"]))
    trainer.train()
    trainer.save_model(output_dir)
