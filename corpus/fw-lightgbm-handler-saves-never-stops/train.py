"""LightGBM ranking model, SageMaker script mode.

Reads the train/validation channels from SM_CHANNEL_*, writes the final model to SM_MODEL_DIR
and a snapshot of the booster to the checkpoint folder when the job is asked to stop.
"""

import argparse
import json
import logging
import os
import signal

import lightgbm as lgb
import pandas as pd

log = logging.getLogger("lgbm")

MODEL_DIR = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
CHECKPOINT_DIR = os.environ.get("SM_CHECKPOINT_DIR", "/opt/ml/checkpoints")
_BOOSTER = None


def _remember_booster(env):
    global _BOOSTER
    _BOOSTER = env.model


_remember_booster.order = 100


def _snapshot_on_sigterm(signum, frame):
    if _BOOSTER is None:
        log.warning("SIGTERM before the first boosting round, nothing to save")
        return
    path = os.path.join(CHECKPOINT_DIR, f"lgbm-iter{_BOOSTER.current_iteration()}.txt")
    _BOOSTER.save_model(path)
    log.warning("SIGTERM: booster snapshot written to %s", path)


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--num-boost-round", type=int, default=2000)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--num-leaves", type=int, default=63)
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
    parser.add_argument("--validation", default=os.environ.get("SM_CHANNEL_VALIDATION", "/opt/ml/input/data/validation"))
    return parser.parse_args()


def load_split(folder):
    frame = pd.read_parquet(folder)
    frame = frame.sort_values("query_id")
    group_sizes = frame.groupby("query_id", sort=False).size().to_numpy()
    features = frame.drop(columns=["query_id", "relevance"])
    return lgb.Dataset(features, label=frame["relevance"], group=group_sizes)


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(CHECKPOINT_DIR, exist_ok=True)
    signal.signal(signal.SIGTERM, _snapshot_on_sigterm)

    train_set = load_split(args.train)
    valid_set = load_split(args.validation)
    params = {
        "objective": "lambdarank",
        "metric": "ndcg",
        "ndcg_eval_at": [5, 10],
        "learning_rate": args.learning_rate,
        "num_leaves": args.num_leaves,
        "feature_fraction": 0.8,
        "verbose": -1,
    }
    booster = lgb.train(
        params,
        train_set,
        num_boost_round=args.num_boost_round,
        valid_sets=[valid_set],
        callbacks=[lgb.early_stopping(100), lgb.log_evaluation(50), _remember_booster],
    )
    booster.save_model(os.path.join(MODEL_DIR, "model.txt"))
    with open(os.path.join(MODEL_DIR, "metrics.json"), "w") as handle:
        json.dump({k: v for k, v in booster.best_score["valid_0"].items()}, handle)


if __name__ == "__main__":
    main()
