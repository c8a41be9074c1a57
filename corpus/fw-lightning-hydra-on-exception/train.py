"""Fine-tune a text classifier; the Trainer and its callbacks come from the Hydra configuration in conf/."""

import hydra
from hydra.utils import instantiate
from lightning import LightningDataModule, LightningModule, Trainer
from omegaconf import DictConfig


def build_callbacks(cfg: DictConfig) -> list:
    return [instantiate(cb) for _, cb in cfg.items() if "_target_" in cb]


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> None:
    datamodule: LightningDataModule = instantiate(cfg.data)
    model: LightningModule = instantiate(cfg.model)
    trainer: Trainer = instantiate(cfg.trainer, callbacks=build_callbacks(cfg.callbacks))
    trainer.fit(model, datamodule=datamodule, ckpt_path="last")


if __name__ == "__main__":
    main()
