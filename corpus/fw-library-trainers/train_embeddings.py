"""Fine-tunes a sentence embedding model on pairs."""

from datasets import load_dataset
from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, losses


def main():
    model = SentenceTransformer("microsoft/mpnet-base")
    pairs = load_dataset("sentence-transformers/all-nli", "pair", split="train")
    trainer = SentenceTransformerTrainer(model=model, train_dataset=pairs,
                                         loss=losses.MultipleNegativesRankingLoss(model))
    trainer.train()
    model.save_pretrained("model")


if __name__ == "__main__":
    main()
