"""A fine-tuning script kept beside the old code, on a current Lightning: its Trainer handles SIGTERM."""
import lightning as L

from ldm.util import instantiate_from_config

if __name__ == "__main__":
    model = instantiate_from_config({"target": "ldm.models.autoencoder.AutoencoderKL"})
    trainer = L.Trainer(max_epochs=10)
    trainer.fit(model)
