"""A SageMaker pipeline whose training step runs a custom image (code/training/Dockerfile); the
code is uploaded beforehand as sourcedir.tar.gz and named through the hyperparameters the SDK's
entry_point= would set."""

import sagemaker
from sagemaker.estimator import Estimator
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.steps import TrainingStep

session = sagemaker.Session()
role = sagemaker.get_execution_role()
container = f"{session.account_id()}.dkr.ecr.us-east-1.amazonaws.com/regression-training:latest"
source = session.upload_data("code/training/sourcedir.tar.gz", key_prefix="pipeline/code")

training_hyperparameters = {"epochs": 2000}
training_hyperparameters["sagemaker_program"] = "train.py"
training_hyperparameters["sagemaker_submit_directory"] = source

estimator = Estimator(
    image_uri=container,
    role=role,
    instance_count=1,
    instance_type="ml.m5.xlarge",
    hyperparameters=training_hyperparameters,
)

step = TrainingStep(name="Train", estimator=estimator, inputs={"train": "s3://bucket/train/"})
Pipeline(name="regression", steps=[step], sagemaker_session=session).upsert(role_arn=role)
