"""Scores every attention head by how much the loss depends on its mask (Michel et al., 2019):
one backward pass per batch, the mask's gradient summed. Nothing is trained."""

import argparse

import torch
from transformers import AutoModelForSequenceClassification


def head_importance(model, loader, device):
    layers, heads = model.config.num_hidden_layers, model.config.num_attention_heads
    head_mask = torch.ones(layers, heads, device=device, requires_grad=True)
    importance = torch.zeros(layers, heads, device=device)
    for batch in loader:
        batch = {k: v.to(device) for k, v in batch.items()}
        outputs = model(**batch, head_mask=head_mask)
        outputs.loss.backward()  # fills head_mask.grad
        importance += head_mask.grad.abs().detach()
        head_mask.grad = None
    return importance / importance.norm(dim=-1, keepdim=True)


def saliency(model, embeddings, label):
    """Which input positions the prediction leans on: the gradient with respect to the input."""
    embeddings = embeddings.detach().requires_grad_(True)
    model(inputs_embeds=embeddings).logits[0, label].backward()
    return embeddings.grad.abs().sum(dim=-1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="bert-base-uncased")
    parser.add_argument("--data", required=True)
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = AutoModelForSequenceClassification.from_pretrained(args.model).to(device)
    loader = torch.utils.data.DataLoader(torch.load(args.data), batch_size=16)
    scores = head_importance(model, loader, device)
    torch.save(scores, "head_importance.pt")
    print(saliency(model, model.get_input_embeddings()(next(iter(loader))["input_ids"].to(device)), 0))


if __name__ == "__main__":
    main()
