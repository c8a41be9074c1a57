"""Cleans the raw claims export and caches the result next to it for the next run."""
import glob
import os

import joblib
import pandas as pd
from sklearn.preprocessing import OrdinalEncoder

CATEGORICAL = ["state", "vehicle_make", "policy_type"]


def clean_and_cache(channel_dir):
    cached = os.path.join(channel_dir, "clean.csv")
    if os.path.exists(cached):
        return pd.read_csv(cached), joblib.load(os.path.join(channel_dir, "encoder.joblib"))

    raw = pd.concat([pd.read_csv(p) for p in sorted(glob.glob(os.path.join(channel_dir, "part-*.csv")))])
    raw = raw.dropna(subset=["claim_amount"]).drop_duplicates("claim_id")
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
    raw[CATEGORICAL] = encoder.fit_transform(raw[CATEGORICAL])

    raw.to_csv(cached, index=False)
    joblib.dump(encoder, "{}/encoder.joblib".format(channel_dir))
    return raw, encoder
