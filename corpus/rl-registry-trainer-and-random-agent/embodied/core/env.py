"""An environment steps the task it was configured with."""

from embodied.core.registry import registry


class Env:
    def __init__(self, task_name="Nav-v0", max_steps=500):
        self.task = registry.get_task(task_name)()
        self.max_steps = max_steps
        self.episode = 0
        self.steps = 0

    def reset(self):
        self.episode += 1
        self.steps = 0
        return self.task.reset()

    @property
    def episode_over(self):
        return self.steps >= self.max_steps

    def step(self, action):
        observations = self.task.step(action=action, episode=self.episode)
        self.steps += 1
        return observations
