import torch

from detkit.engine.model import Model
from detkit.engine.predictor import BasePredictor
from detkit.engine.trainer import BaseTrainer
from detkit.engine.validator import BaseValidator


class DetectionTrainer(BaseTrainer):
    def build_model(self):
        return torch.nn.Linear(4, 4)

    def batches(self):
        return torch.load("data/train.pt")


class SegmentationTrainer(DetectionTrainer):
    def build_model(self):
        return torch.nn.Linear(4, 8)


class ClassificationTrainer(DetectionTrainer):
    def build_model(self):
        return torch.nn.Linear(4, 10)


class Detector(Model):
    @property
    def task_map(self):
        return {
            "detect": {"trainer": DetectionTrainer, "predictor": BasePredictor, "validator": BaseValidator},
            "segment": {"trainer": SegmentationTrainer, "predictor": BasePredictor, "validator": BaseValidator},
            "classify": {"trainer": ClassificationTrainer, "predictor": BasePredictor, "validator": BaseValidator},
            "pose": {"trainer": DetectionTrainer, "predictor": BasePredictor, "validator": None},
            "obb": {"trainer": DetectionTrainer, "predictor": None, "validator": BaseValidator},
        }


class OpenVocabulary(Detector):
    @property
    def task_map(self):
        return {
            "detect": {"trainer": DetectionTrainer, "predictor": BasePredictor, "validator": None},
            "segment": {"trainer": SegmentationTrainer, "predictor": None, "validator": None},
        }


class Transformer(Model):
    @property
    def task_map(self):
        return {"detect": {"trainer": DetectionTrainer, "predictor": None, "validator": None},
                "pose": {"trainer": None, "predictor": BasePredictor, "validator": BaseValidator}}


class Segmenter(Model):
    @property
    def task_map(self):
        return {"segment": {"trainer": SegmentationTrainer, "predictor": BasePredictor, "validator": None},
                "classify": {"trainer": ClassificationTrainer, "predictor": None, "validator": BaseValidator}}
