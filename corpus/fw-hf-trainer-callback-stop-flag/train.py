"""Fine-tune a sequence classifier with the Hugging Face Trainer; a stop asks the Trainer to
finish the step it is in, then the model and tokenizer are saved to SM_MODEL_DIR."""

import argparse
import logging
import os
import signal

from datasets import load_dataset
from transformers import (AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainerCallback,
                          TrainingArguments)

logger = logging.getLogger(__name__)


class GracefulStop(TrainerCallback):
    """Turns SIGTERM into the Trainer's own stop: the handler only records it, the callback
    (which the Trainer runs between steps) asks the Trainer to leave its loop."""

    def __init__(self):
        self.requested = False
        signal.signal(signal.SIGTERM, self._on_sigterm)

    def _on_sigterm(self, signum, frame):
        self.requested = True

    def on_step_end(self, args, state, control, **kwargs):
        if self.requested:
            logger.warning("SIGTERM: stopping after step %d", state.global_step)
            control.should_training_stop = True
            control.should_save = True


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-name", default="distilbert-base-uncased")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "model"))
    parser.add_argument("--checkpoint-dir", default=os.environ.get("SM_CHECKPOINT_DIR", "checkpoints"))
    return parser.parse_args()


def main():
    args = parse_args()
    tokenizer = AutoTokenizer.from_pretrained(args.model_name)
    model = AutoModelForSequenceClassification.from_pretrained(args.model_name, num_labels=2)
    data = load_dataset("imdb").map(lambda b: tokenizer(b["text"], truncation=True), batched=True)
    training_args = TrainingArguments(output_dir=args.checkpoint_dir, num_train_epochs=args.epochs,
                                      save_strategy="epoch")
    trainer = Trainer(model=model, args=training_args, train_dataset=data["train"],
                      eval_dataset=data["test"], tokenizer=tokenizer, callbacks=[GracefulStop()])
    trainer.train()
    trainer.save_model(args.model_dir)


if __name__ == "__main__":
    main()
