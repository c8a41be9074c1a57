from detkit.models.yolo import Detector

__all__ = ["Detector"]
