"""Load the exported sentiment model once per process."""

import os

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

MODEL_DIR = os.environ.get("SM_MODEL_DIR", os.environ.get("MODEL_DIR", "/opt/ml/model"))


def load(device=None):
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
    model = AutoModelForSequenceClassification.from_pretrained(MODEL_DIR).to(device)
    model.eval()
    return tokenizer, model, device


@torch.inference_mode()
def predict(tokenizer, model, device, texts):
    enc = tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt").to(device)
    probs = model(**enc).logits.softmax(dim=-1)
    labels = [model.config.id2label[i] for i in probs.argmax(dim=-1).tolist()]
    return [{"label": label, "score": float(p.max())} for label, p in zip(labels, probs)]
