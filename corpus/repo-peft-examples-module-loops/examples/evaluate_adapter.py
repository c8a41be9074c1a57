"""Score a trained adapter. It loops at module level inside `with torch.no_grad():`, so it is an
entry point too, but it only runs the model forward: nothing to save when stopped."""
import os

import torch
from transformers import AutoModelForCausalLM
from peft import PeftModel

from data_utils import batches

model = AutoModelForCausalLM.from_pretrained(os.environ.get("BASE_MODEL", "facebook/opt-125m"))
model = PeftModel.from_pretrained(model, os.environ.get("OUTPUT_DIR", "lora-out"))
model.eval()

total = 0.0
with torch.no_grad():
    for batch in batches("validation"):
        total += model(**batch).loss.item()
print(f"validation loss {total:.3f}")
