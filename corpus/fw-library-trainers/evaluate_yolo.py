"""Scores a trained YOLO checkpoint and writes its predictions: no training."""

import sys

from ultralytics import YOLO


if __name__ == "__main__":
    model = YOLO(sys.argv[1])
    metrics = model.val(data="data/dataset.yaml")
    print(metrics.box.map)
    for result in model.predict("data/images/val", stream=True):
        result.save_txt("predictions.txt")
