"""Launch checks for the multi-GPU setup, run on a GPU box with `pytest launch_checks.py`."""

import os
import shutil
import subprocess
import unittest


def require_multi_gpu(test_case):
    gpus = len(os.environ.get("CUDA_VISIBLE_DEVICES", "").split(","))
    return unittest.skipUnless(gpus > 1, "needs two or more GPUs")(test_case)


def require_accelerate(test_case):
    return unittest.skipUnless(shutil.which("accelerate"), "needs accelerate on PATH")(test_case)


class LaunchChecks(unittest.TestCase):
    @require_accelerate
    @require_multi_gpu
    def test_two_process_launch(self):
        output = subprocess.check_output(
            ["accelerate", "launch", "--num_processes", "2", "train.py", "--max-steps", "5"], text=True)
        self.assertIn("step 5", output)


if __name__ == "__main__":
    print("run these with pytest on a machine with GPUs")
