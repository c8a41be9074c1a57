"""Reading a command line the way the program at its head would: which words are its options,
and where the program it runs (or the script it interprets) starts."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass


class RunArgument(str):
    """A word that came from `docker run IMAGE <args>` (SageMaker's `train`), kept distinct so
    the chain can tell the platform's argument from a `train` written in the Dockerfile."""


def program_name(word: str | None) -> str:
    return posixpath.basename(word or "")


def skip_options(words: list[str | None], value_options: list[str], stop_at_double_dash: bool = True,
                 pairs: list[str] = ()) -> list[str | None]:
    """The words after a program's own options: `tini -g -- python x.py` -> [python, x.py].
    `pairs`: options followed by two values (mpirun's `--mca NAME VALUE`)."""
    i = 0
    while i < len(words):
        word = words[i] or ""
        if stop_at_double_dash and word == "--":
            return words[i + 1:]
        if not word.startswith("-") or word == "-":
            return words[i:]
        i += 3 if word in pairs else 2 if word in value_options else 1
    return []


@dataclass(frozen=True)
class PythonCall:
    """`python [options] (script | -m module | -c code) args...`"""

    script: str | None = None
    module: str | None = None
    code: str | None = None
    args: tuple[str | None, ...] = ()


def python_call(words: list[str | None], value_options: list[str]) -> PythonCall:
    """Options before the script are the interpreter's; the rest are the script's (`python -u x.py`)."""
    i = 1
    while i < len(words):
        word = words[i] or ""
        if word == "-m" and i + 1 < len(words):
            return PythonCall(module=words[i + 1], args=tuple(words[i + 2:]))
        if word.startswith("-m") and len(word) > 2:
            return PythonCall(module=word[2:], args=tuple(words[i + 1:]))
        if word == "-c":
            return PythonCall(code=words[i + 1] if i + 1 < len(words) else "", args=tuple(words[i + 2:]))
        if word == "--" and i + 1 < len(words):
            return PythonCall(script=words[i + 1], args=tuple(words[i + 2:]))
        if not word.startswith("-") or word == "-":
            return PythonCall(script=words[i], args=tuple(words[i + 1:]))
        i += 2 if word in value_options else 1
    return PythonCall()


def launcher_target(words: list[str | None], value_options: list[str], subcommand: str | None = None) -> PythonCall:
    """The script a distributed launcher starts: `torchrun --nproc_per_node=8 train.py --lr 1`,
    `accelerate launch --config_file c.yaml train.py`, `deepspeed train.py`, `torchrun -m pkg.train`.
    `subcommand`: the word a launcher that does other things too needs first (`launch`, `run`):
    without it, none."""
    rest = list(words[1:])
    if subcommand is not None:
        if rest[:1] != [subcommand]:
            return PythonCall()  # `accelerate config`, `colossalai check -i`
        rest = rest[1:]
    i = 0
    while i < len(rest):
        word = rest[i] or ""
        if word in ("-m", "--module") and i + 1 < len(rest):
            return PythonCall(module=rest[i + 1], args=tuple(rest[i + 2:]))
        if word == "--no_python" or word == "--no-python":
            i += 1
            continue
        if not word.startswith("-"):
            if i and not word.endswith(".py") and rest[i - 1] and rest[i - 1].startswith("--") and "=" not in rest[i - 1]:
                # the value of an option sigcheck does not list (`--main_process_ip localhost`), where a
                # script follows
                script = next((k for k in range(i + 1, len(rest)) if (rest[k] or "").endswith(".py")
                               and not (rest[k] or "").startswith("-")), None)
                if script is not None:
                    return PythonCall(script=rest[script], args=tuple(rest[script + 1:]))
            return PythonCall(script=rest[i], args=tuple(rest[i + 1:]))
        i += 2 if word in value_options and "=" not in word else 1
    return PythonCall()


def has_run_argument(words) -> bool:
    return any(isinstance(w, RunArgument) for w in words)


def quote(words: list[str | None]) -> str:
    """A command line to show: words with spaces quoted, unknown words as `…`."""
    shown = []
    for word in words:
        if word is None:
            shown.append("…")
        elif word == "" or any(c in word for c in " \t'\"$"):
            shown.append('"' + word.replace('"', '\\"') + '"')
        else:
            shown.append(word)
    return " ".join(shown)


def in_its_own_process(entry, words: list[str | None]) -> bool:
    """Whether a launcher (a knowledge entry) runs the script in its own process, given none of the
    options that make it start workers (`tune run recipe.py`, torchtune's single-device run)."""
    options = entry.option("in-process-unless")
    return options is not None and not {(w or "").split("=", 1)[0] for w in words} & set(options)
