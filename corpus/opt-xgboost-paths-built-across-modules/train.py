"""XGBoost regressor for delivery times, SageMaker XGBoost framework container (script mode)."""
import argparse
import glob
import logging
import os
import pickle
import signal
import sys

import pandas as pd
import xgboost as xgb

from config.paths import MODEL_NAME, SM_ROOT

logging.basicConfig(level=logging.INFO)
log = logging.getLogger("train")

MODEL_DIR = os.path.join(SM_ROOT, "model")
TRAIN_DIR = f"{SM_ROOT}/input/data/train"
VALIDATION_DIR = os.environ.get("SM_CHANNEL_VALIDATION")

booster_ref = {}


def load(folder, target="minutes"):
    frames = [pd.read_csv(p) for p in sorted(glob.glob(os.path.join(folder, "*.csv")))]
    df = pd.concat(frames, ignore_index=True)
    return xgb.DMatrix(df.drop(columns=[target]), label=df[target])


class Remember(xgb.callback.TrainingCallback):
    def after_iteration(self, model, epoch, evals_log):
        booster_ref["booster"] = model
        return False


def handle_sigterm(signum, frame):
    if "booster" in booster_ref:
        booster_ref["booster"].save_model(os.path.join(MODEL_DIR, MODEL_NAME))
    sys.exit(0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--num_round", type=int, default=800)
    parser.add_argument("--max_depth", type=int, default=8)
    parser.add_argument("--subsample", type=float, default=0.8)
    args, _ = parser.parse_known_args()

    signal.signal(signal.SIGTERM, handle_sigterm)
    dtrain = load(TRAIN_DIR)
    dval = load(VALIDATION_DIR)
    params = {"objective": "reg:squarederror", "max_depth": args.max_depth,
              "subsample": args.subsample, "eval_metric": "rmse"}
    booster = xgb.train(params, dtrain, args.num_round, evals=[(dval, "validation")],
                        early_stopping_rounds=30, callbacks=[Remember()])
    log.info("best iteration %d", booster.best_iteration)

    booster.save_model(os.path.join(MODEL_DIR, MODEL_NAME))
    with open(os.path.join(MODEL_DIR, "feature_names.pkl"), "wb") as f:
        pickle.dump(dtrain.feature_names, f)


if __name__ == "__main__":
    main()
