from sagemaker.estimator import Estimator
from sagemaker.local import LocalSession

session = LocalSession()
session.config = {"local": {"local_code": True}}
role = "arn:aws:iam::111111111111:role/service-role/AmazonSageMaker-ExecutionRole-20200101T000001"
image = "sagemaker-catboost-toolkit-local"

estimator = Estimator(
    image_uri=image,
    entry_point="california_housing_train.py",
    source_dir="code",
    role=role,
    instance_count=1,
    instance_type="local",
    hyperparameters={"iterations": 2000},
)
estimator.fit({"train": "file://./data/train", "validation": "file://./data/validation"})
