"""Fine-tunes YOLO on the dataset the job is given."""

import os

from ultralytics import YOLO


def main():
    data = os.environ.get("SM_CHANNEL_TRAIN", "data") + "/dataset.yaml"
    model = YOLO("yolov8s.pt")
    model.train(data=data, epochs=int(os.environ.get("EPOCHS", "100")), imgsz=640,
                project=os.environ.get("SM_MODEL_DIR", "runs"))


if __name__ == "__main__":
    main()
