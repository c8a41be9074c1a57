"""Supervised fine-tuning with the Hugging Face Trainer, launched by the same infrastructure
repository: the Trainer saves a checkpoint every save_steps into the checkpoint folder SageMaker
syncs to S3, which is all a stop needs where no handler can run."""
import argparse
import os

from datasets import load_from_disk
from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments

parser = argparse.ArgumentParser()
parser.add_argument("--checkpoint-dir", default="/opt/ml/checkpoints")
options, _ = parser.parse_known_args()
model_name = os.environ["SM_HP_MODEL_NAME"]
tokenizer = AutoTokenizer.from_pretrained(model_name)
model = AutoModelForCausalLM.from_pretrained(model_name)
data = load_from_disk(os.environ["SM_CHANNEL_TRAIN"])

args = TrainingArguments(
    output_dir=options.checkpoint_dir,
    save_strategy="steps",
    save_steps=200,
    per_device_train_batch_size=4,
    num_train_epochs=3,
)
Trainer(model=model, args=args, train_dataset=data, tokenizer=tokenizer).train()
model.save_pretrained(os.environ["SM_MODEL_DIR"])
