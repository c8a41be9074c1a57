"""Train a latent diffusion model from a config (the layout of CompVis's latent-diffusion)."""
import argparse
import os
import signal

import pytorch_lightning as pl
from omegaconf import OmegaConf

from ldm.util import instantiate_from_config


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", nargs="*", default=[])
    parser.add_argument("--logdir", default="logs")
    return parser.parse_args()


if __name__ == "__main__":
    opt = parse_args()
    config = OmegaConf.merge(*[OmegaConf.load(c) for c in opt.base])
    model = instantiate_from_config(config.model)
    data = instantiate_from_config(config.data)
    trainer = pl.Trainer(gpus="0,", max_epochs=1000, default_root_dir=opt.logdir)

    def melk(*args, **kwargs):
        # a checkpoint on SLURM's warning signal
        trainer.save_checkpoint(os.path.join(opt.logdir, "last.ckpt"))

    def divein(*args, **kwargs):
        import pudb
        pudb.set_trace()

    signal.signal(signal.SIGUSR1, melk)
    signal.signal(signal.SIGUSR2, divein)
    try:
        trainer.fit(model, data)
    except Exception:
        melk()
        raise
