from embodied.tasks import nav  # noqa: F401  (registers the tasks)
