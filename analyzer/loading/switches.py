"""Library switches set from outside the code. A script that parses its arguments into a
library's dataclasses (`HfArgumentParser(TrainingArguments)`, TRL's `TrlParser`) takes
`--enable_jit_checkpoint True` from the line that launches it, from a configuration file that
line names (`--config recipe.yaml` holding `enable_jit_checkpoint: true`), or from an estimator's
hyperparameters, which SageMaker's toolkit passes as `--name value`. The names looked for are the
fits' `switch` in the knowledge; the rules count a switch only where every launch of a script sets it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable, Sequence

from sigcheck.knowledge import Knowledge
from sigcheck.loading.sources import LoadError, decode_text, display_path, is_file, read_bytes

_TRUE = frozenset({"true", "1", "yes", "y", "t", "on"})
_CONFIGS = (".yaml", ".yml", ".json")


def switch_names(knowledge: Knowledge) -> frozenset[str]:
    return frozenset(fit.option("switch") for fit in knowledge.fits if fit.option("switch"))


def switched_by_arguments(args: Sequence[str | None], names: frozenset[str], bases: Iterable[Path]) -> frozenset[str]:
    """The switches a script's arguments turn on: `--name`, `--name True`, `--name=true`, or a
    configuration file among them that sets `name: true` (the line's own `--name False` wins, as
    TrlParser lets the command line override the file). The last word for a name holds, as in
    argparse; an argument sigcheck cannot read (a variable) turns nothing on."""
    if not names:
        return frozenset()
    given: dict[str, bool] = {}
    configured: set[str] = set()
    for index, word in enumerate(args):
        option, equals, value = (word or "").partition("=")
        if option.startswith("--") and option[2:] in names:
            following = args[index + 1] if index + 1 < len(args) else ""
            given[option[2:]] = _on(value if equals else following, bare=not equals)
        elif word and word.endswith(_CONFIGS):
            configured |= _set_in_config(word, names, list(bases))
    return frozenset({name for name in configured if given.get(name, True)} | {name for name, on in given.items() if on})


def _on(value: str | None, bare: bool) -> bool:
    """Whether a boolean option's value is true; with `bare`, the word after `--name`: another
    option or nothing there is HfArgumentParser's const, True."""
    if value is None:
        return False
    return (bare and (value == "" or value.startswith("-"))) or value.lower() in _TRUE


def switched_by_hyperparameters(hyperparameters: str, names: frozenset[str]) -> frozenset[str]:
    """The switches a hyperparameters dict, as written (`{"enable_jit_checkpoint": True, ...}`), turns on."""
    value = r"""\s*(?:True|1|['"](?:true|True|1)['"])\s*(?:[,})\n]|$)"""
    return frozenset(name for name in names if re.search(r"""['"]""" + re.escape(name) + r"""['"]\s*:""" + value, hyperparameters)
                     or re.search(r"\b" + re.escape(name) + r"\s*=" + value, hyperparameters))


def _set_in_config(named: str, names: frozenset[str], bases: list[Path]) -> set[str]:
    for base in bases:
        path = base / named
        if not is_file(path):
            continue
        try:
            text = decode_text(read_bytes(path, display_path(path)), display_path(path))
        except LoadError:
            return set()
        if named.endswith(".json"):  # read as JSON: `json.dump` writes all of it on one line
            return _set_in_json(text, names)
        return {name for name in names if re.search(
            r"""^\s*['"]?""" + re.escape(name) + r"""['"]?\s*:\s*['"]?(?:true|True|yes|1)['"]?\s*,?\s*(?:#.*)?$""",
            text, re.M)}
    return set()


def _set_in_json(text: str, names: frozenset[str]) -> set[str]:
    """The switches a JSON object of arguments sets (HfArgumentParser.parse_json_file's)."""
    try:
        data = json.loads(text)
    except ValueError:
        return set()
    if not isinstance(data, dict):
        return set()
    return {name for name in names if data.get(name) is True or str(data.get(name)).lower() in _TRUE}


def given_value(args: Sequence[str | None], name: str) -> str | None:
    """The value the arguments last give an option (`--save_strategy no`, `--save-strategy=no`, as
    HfArgumentParser takes either spelling); None where none is given or it is not known."""
    spellings = {f"--{name}", f"--{name.replace('_', '-')}"}
    found = None
    for index, word in enumerate(args):
        option, equals, value = (word or "").partition("=")
        if option in spellings:
            found = value if equals else (args[index + 1] if index + 1 < len(args) else None)
    return found
