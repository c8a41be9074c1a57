from embodied.trainers import ppo  # noqa: F401  (registers the trainers)
