"""The endpoint: loads the model SageMaker places under /opt/ml/model and predicts."""
import os

import flask
import joblib

MODEL_DIR = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
app = flask.Flask(__name__)
_model = None


def model():
    global _model
    if _model is None:
        _model = joblib.load(os.path.join(MODEL_DIR, "model.joblib"))
    return _model


@app.route("/ping", methods=["GET"])
def ping():
    return flask.Response(response="\n", status=200 if model() is not None else 404)


@app.route("/invocations", methods=["POST"])
def invocations():
    rows = [[float(v) for v in line.split(",")] for line in flask.request.data.decode().splitlines() if line]
    return flask.jsonify(model().predict(rows).tolist())
