"""Train a segmentation model; every object is built from the Hydra configuration in configs/."""

from typing import List, Optional

import hydra
import lightning as L
from lightning import Callback, LightningDataModule, LightningModule, Trainer
from omegaconf import DictConfig

from src.utils.instantiators import instantiate_callbacks
from src.utils.logging import log


def train(cfg: DictConfig) -> Optional[float]:
    if cfg.get("seed"):
        L.seed_everything(cfg.seed, workers=True)

    log.info(f"Instantiating datamodule <{cfg.data._target_}>")
    datamodule: LightningDataModule = hydra.utils.instantiate(cfg.data)
    model: LightningModule = hydra.utils.instantiate(cfg.model)
    callbacks: List[Callback] = instantiate_callbacks(cfg.get("callbacks"))

    log.info(f"Instantiating trainer <{cfg.trainer._target_}>")
    trainer: Trainer = hydra.utils.instantiate(cfg.trainer, callbacks=callbacks)

    trainer.fit(model=model, datamodule=datamodule, ckpt_path=cfg.get("ckpt_path"))
    return trainer.callback_metrics.get(cfg.get("optimized_metric"))


@hydra.main(version_base="1.3", config_path="../configs", config_name="train.yaml")
def main(cfg: DictConfig) -> Optional[float]:
    return train(cfg)


if __name__ == "__main__":
    main()
