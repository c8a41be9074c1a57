from pytorch_lightning.cli import LightningCLI

from moco.module import ContrastiveCIFAR10, MoCo


def cli_main():
    # only builds the objects: this script validates a checkpoint it is given, and trains nothing
    cli = LightningCLI(MoCo, ContrastiveCIFAR10, run=False)
    cli.trainer.validate(cli.model, datamodule=cli.datamodule, ckpt_path="last")


if __name__ == "__main__":
    cli_main()
