"""sigcheck's growth on code shaped to stress one dimension of one project (not a test).

perf.py's `--scaling` grows the number of independent projects; a real repository grows inside
one project too: a trainer function thousands of lines long (unsloth's), a call chain thousands of
functions deep behind a library fit. For each shape this script writes projects of 1, 2, 4 and 8
times a base size, times `sigcheck check` on each (one job, no cache) and `libcst.parse_module` on
the same files (the floor), and prints the log-log slope of time against size: 1 is linear, 2
quadratic. sigcheck's slope should stay near the floor's.

    python benchmarks/shapes.py                  # every shape, base size 500, median of 3
    python benchmarks/shapes.py --shape chain --base 1000 --repeat 1
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from measure import machine, python, run_repeated, say, slope

SIZES = (1, 2, 4, 8)

FLOOR = """
import sys, libcst
for name in sys.argv[1:]:
    libcst.parse_module(open(name, "rb").read())
"""


def long_function(n: int) -> dict[str, str]:
    """One training loop `n` blocks long, each a local assigned then tested, and a stop flag the
    loop checks at its end: every test asks what its local was computed from."""
    blocks = "".join(f"        value_{i} = batch[{i % 7}] + {i}\n"
                     f"        if value_{i} > args.limit:\n"
                     f"            total += value_{i}\n" for i in range(n))
    return {"train.py": f"""import signal

import torch

STOP = False


def on_term(signum, frame):
    global STOP
    STOP = True


def train(args, model, loader, optimizer):
    signal.signal(signal.SIGTERM, on_term)
    total = 0
    for batch in loader:
{blocks}        loss = model(batch).sum() + total
        loss.backward()
        optimizer.step()
        if STOP:
            torch.save(model.state_dict(), "checkpoint.pt")
            break


if __name__ == "__main__":
    train(None, None, [], None)
"""}


def call_chain(n: int) -> dict[str, str]:
    """`n` functions over ten modules, each calling the next, the last running a Trainer with no
    SIGTERM handler: what a stop loses is asked of the whole run."""
    per_module = max(n // 10, 1)
    files = {}
    for m in range(10):
        lines = ["from transformers import Trainer, TrainingArguments", f"import chain_{m + 1}" if m < 9 else ""]
        for k in range(per_module):
            index = m * per_module + k
            last = m == 9 and k == per_module - 1
            if last:
                body = ("    args = TrainingArguments(output_dir='out', save_strategy='steps')\n"
                        "    Trainer(model=model, args=args).train()")
            elif k == per_module - 1:
                body = f"    chain_{m + 1}.step_{index + 1}(model, depth + 1)"
            else:
                body = f"    step_{index + 1}(model, depth + 1)"
            lines.append(f"\n\ndef step_{index}(model, depth):\n    width = depth * 2\n{body}")
        files[f"chain_{m}.py"] = "\n".join(lines) + "\n"
    files["train.py"] = "import chain_0\n\nif __name__ == '__main__':\n    chain_0.step_0(None, 0)\n"
    return files


SHAPES = {"function": long_function, "chain": call_chain}


def measure_shape(name: str, base: int, repeat: int, work: Path) -> None:
    sigcheck_times, floor_times = [], []
    for factor in SIZES:
        folder = work / f"{name}-{factor}"
        folder.mkdir()
        (folder / "pyproject.toml").touch()
        for path, text in SHAPES[name](base * factor).items():
            (folder / path).write_text(text)
        files = sorted(str(p) for p in folder.glob("*.py"))
        lines = sum(Path(f).read_text().count("\n") for f in files)
        checked = run_repeated([python(), "-m", "sigcheck", "check", ".", "--no-cache", "-j", "1", "--exit-zero", "-q"],
                               folder, repeat, folder / "findings.txt")
        floor = run_repeated([python(), "-c", FLOOR, *files], folder, repeat)
        if checked.status != 0:
            say(f"  sigcheck failed on {folder}: {checked.stderr}")
            return
        findings = (folder / "findings.txt").read_text().count("\n")
        say(f"  {name} ×{factor:<2} {lines:>7,} lines  sigcheck {checked.seconds:>7.2f}s  libcst {floor.seconds:>6.2f}s  "
            f"({checked.seconds / floor.seconds:.2f}×, {findings} finding{'s' if findings != 1 else ''})")
        sigcheck_times.append(checked.seconds)
        floor_times.append(floor.seconds)
    say(f"  {name}: growth exponent sigcheck {slope(SIZES, sigcheck_times):.2f}, libcst {slope(SIZES, floor_times):.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", choices=sorted(SHAPES), action="append", help="only this shape (repeatable)")
    parser.add_argument("--base", type=int, default=500, help="blocks or functions at size ×1")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    say(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="sigcheck-shapes-") as work:
        for name in args.shape or sorted(SHAPES):
            measure_shape(name, args.base, args.repeat, Path(work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
