"""The inference server of a bring-your-own endpoint: SageMaker unpacks model.tar.gz into
/opt/ml/model, and the app answers /ping and /invocations."""
import io
import os

import flask
import joblib
import pandas as pd

MODEL_PATH = "/opt/ml/model"
app = flask.Flask(__name__)


class ScoringService:
    model = None

    @classmethod
    def get_model(cls):
        if cls.model is None:
            cls.model = joblib.load(os.path.join(MODEL_PATH, "model.joblib"))
        return cls.model

    @classmethod
    def predict(cls, frame):
        return cls.get_model().predict(frame)


@app.route("/ping", methods=["GET"])
def ping():
    healthy = ScoringService.get_model() is not None
    return flask.Response(response="\n", status=200 if healthy else 404, mimetype="application/json")


@app.route("/invocations", methods=["POST"])
def transformation():
    frame = pd.read_csv(io.StringIO(flask.request.data.decode("utf-8")), header=None)
    predictions = ScoringService.predict(frame)
    out = io.StringIO()
    pd.DataFrame({"results": predictions}).to_csv(out, header=False, index=False)
    return flask.Response(response=out.getvalue(), status=200, mimetype="text/csv")


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080)
