"""HTTP inference server for the sentiment model.

uvicorn handles SIGTERM itself (graceful shutdown of open requests); there is no training here.

    python serve.py --port 8080
"""

import argparse
import logging

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

import model_loader

log = logging.getLogger("serve")
app = FastAPI()
STATE = {}


class PredictRequest(BaseModel):
    texts: list[str]


@app.on_event("startup")
def startup():
    STATE["tokenizer"], STATE["model"], STATE["device"] = model_loader.load()
    log.info("model loaded on %s", STATE["device"])


@app.get("/ping")
def ping():
    return {"status": "ok" if "model" in STATE else "loading"}


@app.post("/invocations")
def invocations(request: PredictRequest):
    return {"predictions": model_loader.predict(STATE["tokenizer"], STATE["model"], STATE["device"], request.texts)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    uvicorn.run("serve:app", host=args.host, port=args.port, workers=args.workers, timeout_graceful_shutdown=20)


if __name__ == "__main__":
    main()
