"""A TrainerCallback that also owns the SIGTERM handler for a Hugging Face Trainer run."""

import json
import logging
import os
import signal
import sys

from transformers import TrainerCallback

logger = logging.getLogger(__name__)


class SigtermCheckpointCallback(TrainerCallback):
    """Tracks the last finished step; on SIGTERM saves the model and trainer state, then exits."""

    def __init__(self, output_dir):
        self.output_dir = output_dir
        self.trainer = None
        self.last_step = 0

    def attach(self, trainer):
        self.trainer = trainer
        signal.signal(signal.SIGTERM, self._on_sigterm)

    def on_step_end(self, args, state, control, **kwargs):
        self.last_step = state.global_step

    def _on_sigterm(self, signum, frame):
        target = os.path.join(self.output_dir, f"sigterm-checkpoint-{self.last_step}")
        logger.warning("SIGTERM at step %d, saving to %s", self.last_step, target)
        self.trainer.save_model(target)
        self.trainer.state.save_to_json(os.path.join(target, "trainer_state.json"))
        with open(os.path.join(self.output_dir, "RESUME_FROM"), "w") as handle:
            json.dump({"checkpoint": target, "step": self.last_step}, handle)
        sys.exit(128 + signum)
