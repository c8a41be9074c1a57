"""ResNet-50 on ImageNet with Composer (mosaicml/examples' benchmarks, pinned to 0.14)."""

import sys

from composer import Trainer
from composer.algorithms import BlurPool, ChannelsLast, LabelSmoothing
from composer.models import composer_resnet
from omegaconf import OmegaConf

from data import build_dataloader


def main(config):
    model = composer_resnet(model_name="resnet50", num_classes=1000)
    train_loader = build_dataloader(config.train_dataset, config.batch_size)
    eval_loader = build_dataloader(config.eval_dataset, config.batch_size)
    trainer = Trainer(
        model=model,
        train_dataloader=train_loader,
        eval_dataloader=eval_loader,
        max_duration=config.max_duration,
        algorithms=[BlurPool(), ChannelsLast(), LabelSmoothing(0.1)],
        save_folder=config.save_folder,
        save_interval="1ep",
        load_path=config.get("load_path"),
    )
    trainer.fit()


if __name__ == "__main__":
    main(OmegaConf.load(sys.argv[1]))
