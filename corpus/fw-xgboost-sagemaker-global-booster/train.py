"""SageMaker script-mode XGBoost training with checkpoint-on-stop.

SageMaker passes hyperparameters as command-line flags and paths through SM_* variables. The
booster of the latest finished round is kept in a module-level reference so that the SIGTERM
handler (StopTrainingJob, spot interruption) can write it to the checkpoint folder, which
SageMaker syncs to S3, before the 120 s grace period ends.
"""

import argparse
import glob
import logging
import os
import signal
import sys

import xgboost as xgb

from data import load_dmatrix

logger = logging.getLogger("xgb-train")

CHECKPOINT_DIR = os.environ.get("SM_CHECKPOINT_DIR", "/opt/ml/checkpoints")
_LATEST_BOOSTER = None


class KeepLatestBooster(xgb.callback.TrainingCallback):
    def after_iteration(self, model, epoch, evals_log):
        global _LATEST_BOOSTER
        _LATEST_BOOSTER = model
        return False


def _on_sigterm(signum, frame):
    if _LATEST_BOOSTER is not None:
        path = os.path.join(CHECKPOINT_DIR, "xgboost-checkpoint.json")
        _LATEST_BOOSTER.save_model(path)
        logger.warning("SIGTERM: saved booster after %d rounds to %s", _LATEST_BOOSTER.num_boosted_rounds(), path)
    sys.exit(128 + signum)


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--num_round", type=int, default=500)
    parser.add_argument("--max_depth", type=int, default=6)
    parser.add_argument("--eta", type=float, default=0.1)
    parser.add_argument("--subsample", type=float, default=0.8)
    parser.add_argument("--objective", default="binary:logistic")
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
    parser.add_argument("--validation", default=os.environ.get("SM_CHANNEL_VALIDATION", "/opt/ml/input/data/validation"))
    return parser.parse_args()


def latest_checkpoint():
    candidates = glob.glob(os.path.join(CHECKPOINT_DIR, "xgboost-checkpoint*.json"))
    return max(candidates, key=os.path.getmtime) if candidates else None


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(CHECKPOINT_DIR, exist_ok=True)
    signal.signal(signal.SIGTERM, _on_sigterm)

    dtrain = load_dmatrix(args.train)
    dval = load_dmatrix(args.validation)
    params = {
        "max_depth": args.max_depth,
        "eta": args.eta,
        "subsample": args.subsample,
        "objective": args.objective,
        "eval_metric": "auc",
        "tree_method": "hist",
    }

    resume_from = latest_checkpoint()
    done_rounds = 0
    if resume_from:
        done_rounds = xgb.Booster(model_file=resume_from).num_boosted_rounds()
        logger.info("resuming from %s (%d rounds done)", resume_from, done_rounds)

    booster = xgb.train(
        params,
        dtrain,
        num_boost_round=max(args.num_round - done_rounds, 0),
        evals=[(dtrain, "train"), (dval, "validation")],
        early_stopping_rounds=30,
        xgb_model=resume_from,
        callbacks=[KeepLatestBooster(), xgb.callback.TrainingCheckPoint(CHECKPOINT_DIR, name="xgboost-checkpoint", interval=50)],
    )
    booster.save_model(os.path.join(args.model_dir, "xgboost-model.json"))
    logger.info("best iteration %d, best score %.5f", booster.best_iteration, booster.best_score)


if __name__ == "__main__":
    main()
