"""SIG001 and Keras 2's BackupAndRestore: with save_before_preemption=True the fit catches SIGTERM,
saves a backup and exits (keras-cv's simclr uses the callback with its defaults; triage DH)."""

from __future__ import annotations

import pytest

FIT = """
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
backup = tf.keras.callbacks.BackupAndRestore("/opt/ml/checkpoints/backup"{extra})
model.fit(dataset, epochs=1000, callbacks=[backup])
"""


@pytest.mark.parametrize("extra, reported", [
    (", save_before_preemption=True", False),
    ("", True),  # backs up at each epoch's end only
    (", save_before_preemption=False", True),
])
def test_backup_and_restore_handles_sigterm_only_when_told_to_save_before_preemption(run_sigcheck, extra, reported):
    report = run_sigcheck({"train.py": FIT.format(extra=extra)}, ["train.py"], select=("SIG001",))
    assert [d.line for d in report.diagnostics] == ([6] if reported else [])
