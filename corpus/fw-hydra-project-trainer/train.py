"""Entry point: `python train.py trainer=debug` or, on SageMaker, the estimator's entry_point."""

import hydra
import torch
from omegaconf import DictConfig


@hydra.main(config_path="configs", config_name="train", version_base="1.3")
def main(cfg: DictConfig) -> None:
    torch.manual_seed(cfg.seed)
    loader = hydra.utils.instantiate(cfg.data)
    model = hydra.utils.instantiate(cfg.model)
    trainer = hydra.utils.instantiate(cfg.trainer, model=model, loader=loader)
    trainer.train()


if __name__ == "__main__":
    main()
