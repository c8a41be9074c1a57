"""Train the configured model with the configured trainer: both are built by Hydra from configs/.

Lightning's Trainer, which configs/trainer/gpu.yaml names, installs its own SIGTERM handling in
fit(): on a stop it raises at the next batch. Checkpoints go to SM_MODEL_DIR at epoch ends."""

import hydra
import lightning as L
from lightning import LightningModule, Trainer
from omegaconf import DictConfig


@hydra.main(version_base="1.3", config_path="../configs", config_name="train.yaml")
def main(cfg: DictConfig) -> None:
    L.seed_everything(cfg.seed, workers=True)
    model: LightningModule = hydra.utils.instantiate(cfg.model)
    trainer: Trainer = hydra.utils.instantiate(cfg.trainer)
    trainer.fit(model=model, ckpt_path=cfg.get("ckpt_path"))


if __name__ == "__main__":
    main()
