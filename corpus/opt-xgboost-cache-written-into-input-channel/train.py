"""XGBoost claim-severity model; SageMaker XGBoost container in script mode."""
import argparse
import os
import signal
import sys

import xgboost as xgb

from prep import clean_and_cache

TRAIN_CHANNEL = "/opt/ml/input/data/train"
MODEL_DIR = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")

state = {"booster": None}


def save_and_exit(signum, frame):
    if state["booster"] is not None:
        state["booster"].save_model(os.path.join(MODEL_DIR, "xgboost-model"))
    sys.exit(0)


class Track(xgb.callback.TrainingCallback):
    def after_iteration(self, model, epoch, evals_log):
        state["booster"] = model
        return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--num_round", type=int, default=1000)
    parser.add_argument("--eta", type=float, default=0.05)
    parser.add_argument("--max_depth", type=int, default=7)
    args, _ = parser.parse_known_args()

    signal.signal(signal.SIGTERM, save_and_exit)
    df, encoder = clean_and_cache(TRAIN_CHANNEL)
    y = df.pop("claim_amount")
    dtrain = xgb.DMatrix(df.drop(columns=["claim_id"]), label=y)
    params = {"objective": "reg:tweedie", "eta": args.eta, "max_depth": args.max_depth}
    booster = xgb.train(params, dtrain, num_boost_round=args.num_round, callbacks=[Track()])
    booster.save_model(os.path.join(MODEL_DIR, "xgboost-model"))


if __name__ == "__main__":
    main()
