"""Fine-tunes the prefix encoder; the SageMaker job runs `python main.py`."""

from transformers import AutoModel, AutoTokenizer, HfArgumentParser, TrainingArguments

from data import load_pairs
from trainer import Trainer


def main():
    (args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses()
    tokenizer = AutoTokenizer.from_pretrained("THUDM/chatglm-6b", trust_remote_code=True)
    model = AutoModel.from_pretrained("THUDM/chatglm-6b", trust_remote_code=True)
    dataset, collate = load_pairs(tokenizer, "train.json")
    Trainer(model, args, dataset, collate).train(resume_from_checkpoint=args.resume_from_checkpoint)


if __name__ == "__main__":
    main()
