import signal
import sys

import gymnasium as gym
import torch

env = gym.make("CarRacing-v2", render_mode="rgb_array")
policy = torch.nn.Linear(96 * 96 * 3, 5)
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-4)


def on_sigterm(signum, frame):
    torch.save(policy.state_dict(), "/opt/ml/model/policy.pt")
    sys.exit(0)


signal.signal(signal.SIGTERM, on_sigterm)

for episode in range(10_000):
    obs, _ = env.reset()
    logits = policy(torch.as_tensor(obs, dtype=torch.float32).flatten())
    loss = -logits.log_softmax(-1).max()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
