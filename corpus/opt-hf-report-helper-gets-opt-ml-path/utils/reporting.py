"""Evaluation reports shared by the training and batch-evaluation jobs."""
import json
import logging
import os

logger = logging.getLogger(__name__)


def format_metrics(metrics):
    return {k.replace("eval_", ""): round(float(v), 5) for k, v in metrics.items()}


def save_report(metrics, out_dir, name="eval_results.json"):
    path = os.path.join(out_dir, name)
    with open(path, "w") as f:
        json.dump(format_metrics(metrics), f, indent=2)
    logger.info("report written to %s", path)
    return path
