"""Samples completions from a policy actor: inference only, nothing to save when stopped."""
import ray

from rlhf.actors import PolicyRole
from rlhf.data import prompt_batches

PolicyActor = ray.remote(num_gpus=1)(PolicyRole)

if __name__ == "__main__":
    ray.init()
    policy = PolicyActor.remote("Qwen/Qwen2.5-0.5B", 0.0)
    for batch in prompt_batches():
        print(ray.get(policy.generate.remote(batch)))
