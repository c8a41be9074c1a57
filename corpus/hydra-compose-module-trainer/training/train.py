import argparse

from hydra import compose, initialize_config_module
from hydra.utils import instantiate
from omegaconf import OmegaConf


def single_node_runner(cfg):
    trainer = instantiate(cfg.trainer, _recursive_=False)
    trainer.run()


def main(args):
    cfg = compose(config_name=args.config)
    OmegaConf.resolve(cfg)
    print(OmegaConf.to_yaml(cfg))
    single_node_runner(cfg)


if __name__ == "__main__":
    initialize_config_module("seg", version_base="1.2")
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True, help="path to the config, e.g. configs/training/finetune.yaml")
    main(parser.parse_args())
