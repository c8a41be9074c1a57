"""Fine-tune a causal LM with LoRA adapters, as the examples of quantisation libraries do: flat
scripts with no main block, whose loop runs under autocast at module level."""
import os

import torch
from transformers import AutoModelForCausalLM
from peft import LoraConfig, get_peft_model

from data_utils import batches

model = AutoModelForCausalLM.from_pretrained(os.environ.get("BASE_MODEL", "facebook/opt-125m"))
model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"]))
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)

with torch.cuda.amp.autocast():
    for epoch in range(3):
        for batch in batches("train"):
            loss = model(**batch).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()

model.save_pretrained(os.environ.get("OUTPUT_DIR", "lora-out"))
