"""SageMaker script-mode XGBoost training for the fraud classifier."""
import argparse
import glob
import json
import os
import signal
import sys

import pandas as pd
import xgboost as xgb

from config import (CHECKPOINT_DIR, MODEL_DIR, MODEL_FILE, OUTPUT_DATA_DIR, TARGET, TRAIN_DIR,
                    VALIDATION_DIR)

latest = {"booster": None}


class KeepLatest(xgb.callback.TrainingCallback):
    def after_iteration(self, model, epoch, evals_log):
        latest["booster"] = model
        if epoch % 50 == 0:
            model.save_model(os.path.join(CHECKPOINT_DIR, "xgboost-checkpoint.%d" % epoch))
        return False


def on_sigterm(signum, frame):
    if latest["booster"] is not None:
        latest["booster"].save_model(os.path.join(MODEL_DIR, MODEL_FILE))
    sys.exit(0)


def read_channel(path):
    files = sorted(glob.glob(os.path.join(path, "*.csv")))
    df = pd.concat([pd.read_csv(f) for f in files])
    return xgb.DMatrix(df.drop(columns=[TARGET]), label=df[TARGET])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--num-round", type=int, default=500)
    parser.add_argument("--max-depth", type=int, default=6)
    parser.add_argument("--eta", type=float, default=0.1)
    args, _ = parser.parse_known_args()

    os.makedirs(CHECKPOINT_DIR, exist_ok=True)
    signal.signal(signal.SIGTERM, on_sigterm)

    dtrain = read_channel(TRAIN_DIR)
    dval = read_channel(VALIDATION_DIR)
    params = {"objective": "binary:logistic", "max_depth": args.max_depth, "eta": args.eta,
              "eval_metric": "auc", "tree_method": "hist"}
    evals_result = {}
    booster = xgb.train(params, dtrain, num_boost_round=args.num_round,
                        evals=[(dval, "validation")], evals_result=evals_result,
                        callbacks=[KeepLatest()])

    booster.save_model(os.path.join(MODEL_DIR, MODEL_FILE))
    with open("{}/metrics.json".format(OUTPUT_DATA_DIR), "w") as f:
        json.dump({"auc": evals_result["validation"]["auc"][-1]}, f)


if __name__ == "__main__":
    main()
