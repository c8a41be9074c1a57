"""A stop flag answered by what a function returns, not by a branch: a library callback whose
return value tells its loop whether to go on (Stable-Baselines3's `_on_step`, xgboost's
`after_iteration`; triage CI), and a while-loop whose test calls a function returning the flag."""

from __future__ import annotations

import pytest

# the handler every example registers: it sets the flag the code answers in the ways below
FLAG = """
STOP = False

def on_term(signum, frame):
    global STOP
    STOP = True
"""
SB3 = """
import signal
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback

"""+FLAG+"""
class StopOnSigterm(BASE):
    def _on_step(self) -> bool:
        BODY

def main():
    signal.signal(signal.SIGTERM, on_term)
    model = PPO("MlpPolicy", "CartPole-v1")
    model.learn(total_timesteps=10_000_000, callback=StopOnSigterm())
    AFTER

if __name__ == "__main__":
    main()
"""


def _sb3(base="BaseCallback", body="return not STOP", after='model.save("ppo")') -> str:
    return SB3.replace("BASE", base).replace("BODY", body).replace("AFTER", after)


@pytest.mark.parametrize("source, codes", [
    (_sb3(), []),
    (_sb3(body="if STOP:\n            return False\n        return True"), []),
    (_sb3(body="going = not STOP\n        return going"), []),
    (_sb3(after='print("done")'), ["SIG002"]),  # learn() returns, and nothing saves after it
    (_sb3(body="return True"), ["SIG002", "SIG004"]),  # the callback never looks at the flag
    (_sb3(base="object"), ["SIG002", "SIG004"]),  # no library calls it: its answer goes nowhere
], ids=["return not STOP", "branch that returns False", "through a local", "nothing saved after learn",
        "flag not returned", "not a library callback"])
def test_an_sb3_callback_stops_learn_by_returning_false(run_sigcheck, source, codes):
    report = run_sigcheck({"train.py": source}, ["train.py"], select=("SIG002", "SIG004"))
    assert sorted(d.code for d in report.diagnostics) == codes


XGB = """
import signal
import xgboost as xgb

"""+FLAG+"""
class StopOnSigterm(xgb.callback.TrainingCallback):
    def METHOD(self, model, epoch, evals_log):
        return STOP

def main():
    signal.signal(signal.SIGTERM, on_term)
    booster = xgb.train({"max_depth": 6}, xgb.DMatrix("train.csv"), num_boost_round=100000,
                        callbacks=[StopOnSigterm()])
    booster.save_model("model.json")

if __name__ == "__main__":
    main()
"""


@pytest.mark.parametrize("method, codes", [
    ("after_iteration", []),
    ("before_iteration", ["SIG002", "SIG004"]),  # what before_iteration returns is not the stop answer
])
def test_an_xgboost_callback_stops_training_by_returning_true(run_sigcheck, method, codes):
    report = run_sigcheck({"train.py": XGB.replace("METHOD", method)}, ["train.py"], select=("SIG002", "SIG004"))
    assert sorted(d.code for d in report.diagnostics) == codes


WHILE = """
import signal
import torch

STOP = False

def on_term(signum, frame):
    global STOP
    STOP = True

def should_go_on():
    RETURN

def train_epoch(model, opt):
    for _ in range(100):
        opt.zero_grad()
        model(torch.randn(4, 2)).sum().backward()
        opt.step()
    return 1.0

def main():
    signal.signal(signal.SIGTERM, on_term)
    model = torch.nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    while should_go_on():
        train_epoch(model, opt)
    torch.save(model.state_dict(), "model.pt")

if __name__ == "__main__":
    main()
"""


@pytest.mark.parametrize("returned, codes", [
    ("return not STOP", []),
    ("return True", ["SIG002", "SIG004"]),
    # it looks at the flag, but what the loop tests is its True
    ("if STOP:\n        print('stopping')\n    return True", ["SIG002", "SIG004"]),
], ids=["returns the flag", "returns a constant", "looks at the flag, returns a constant"])
def test_a_while_loop_whose_test_calls_a_function_returning_the_flag(run_sigcheck, returned, codes):
    report = run_sigcheck({"train.py": WHILE.replace("RETURN", returned)}, ["train.py"], select=("SIG002", "SIG004"))
    assert sorted(d.code for d in report.diagnostics) == codes


_MINI_SB3 = {
    "minirl/__init__.py": "",
    "minirl/callbacks.py": "class BaseCallback:\n    def on_step(self) -> bool:\n        return self._on_step()\n\n"
                           "    def _on_step(self) -> bool:\n        return True\n",
    "minirl/algo.py": """
import torch


class Algo:
    def __init__(self):
        self.policy = torch.nn.Linear(4, 2)
        self.opt = torch.optim.Adam(self.policy.parameters())
        self.num_timesteps = 0

    def collect_rollouts(self, callback, n_steps):
        for _ in range(n_steps):
            self.num_timesteps += 1
            if not callback.on_step():
                return False
        return True

    def learn(self, total_timesteps, callback):
        while self.num_timesteps < total_timesteps:
            if not self.collect_rollouts(callback, 128):
                break
            self.policy(torch.randn(8, 4)).sum().backward()
            self.opt.step()
        return self

    def save(self, path):
        torch.save(self.policy.state_dict(), path)
""",
}


@pytest.mark.parametrize("body, codes", [("return not STOP", []), ("return True", ["SIG002", "SIG004"])])
def test_a_callback_answered_through_the_projects_own_template_method_stops_the_loop(run_sigcheck, body, codes):
    """SB3's source in the project (a fork, a vendored copy): `BaseCallback.on_step` returns
    `self._on_step()`, the override's `not STOP`, and the rollout loop stops on it (triage DE)."""
    train = SB3.replace("from stable_baselines3 import PPO", "from minirl.algo import Algo").replace(
        "from stable_baselines3.common.callbacks import BaseCallback", "from minirl.callbacks import BaseCallback").replace(
        'PPO("MlpPolicy", "CartPole-v1")', "Algo()").replace("BASE", "BaseCallback").replace("BODY", body).replace(
        "AFTER", 'model.save("ppo.pt")')
    report = run_sigcheck({"train.py": train, **_MINI_SB3}, ["train.py"], select=("SIG002", "SIG004"))
    assert sorted(d.code for d in report.diagnostics) == codes
