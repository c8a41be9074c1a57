"""Text classification with accelerate; saves the model when the job is stopped."""

import argparse
import os
import signal
import sys

import torch
from accelerate import Accelerator
from transformers import AutoModelForSequenceClassification

parser = argparse.ArgumentParser()
parser.add_argument("--model_name_or_path", required=True)
parser.add_argument("--num_train_epochs", type=int, default=1)
args = parser.parse_args()

accelerator = Accelerator()
model = AutoModelForSequenceClassification.from_pretrained(args.model_name_or_path)
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
model, optimizer = accelerator.prepare(model, optimizer)
model_dir = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")


def save_and_exit(signum, frame):
    accelerator.unwrap_model(model).save_pretrained(model_dir)
    sys.exit(0)


signal.signal(signal.SIGTERM, save_and_exit)

for epoch in range(args.num_train_epochs):
    for step in range(500):
        outputs = model(input_ids=torch.randint(0, 1000, (8, 64)), labels=torch.zeros(8, dtype=torch.long))
        accelerator.backward(outputs.loss)
        optimizer.step()
        optimizer.zero_grad()

accelerator.unwrap_model(model).save_pretrained(model_dir)
