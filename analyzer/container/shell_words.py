"""How the words of a shell command read: strings, variables and their defaults, bash arrays,
heredocs held in variables, and what `eval` or an unquoted `$cmd` runs. A mixin of the script
reader (shell.py), which holds the variables as the script sets them.
"""

from __future__ import annotations

import posixpath
import re

from sigcheck.container.heredocs import substituted_heredoc
from sigcheck.container.shell_folders import names_own_folder, names_working_folder, names_working_folders_parent

ARGS = "\0args"  # stands for an unknown "$@" among a command's words
# A part of an evaluated line sigcheck cannot know (`$((a*b))`, an unset variable): plain word
# characters, which the line read again keeps inside its word
UNKNOWN_PART = "__sigcheck_unknown__"


class Words:
    """What `_Reader` reads words with; it sets `source`, `vars`, `partial`, `arrays`, `args`,
    `folder` and `cwd`."""

    def text(self, node) -> str:
        return self.source[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def array_items(self, node) -> list[str | None] | None:
        """The words a known array a word expands whole gives: `${CMD[@]}`, quoted or not, each
        item; `"${CMD[*]}"` one word, the items joined."""
        quoted = node.type == "string"
        if quoted:
            inner = [child for child in node.children if child.type != '"']
            node = inner[0] if len(inner) == 1 else node
        found = re.fullmatch(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\[([@*])\]\}", self.text(node)) if node.type == "expansion" else None
        if found is None or found.group(1) not in self.arrays:
            return None
        items = self.arrays[found.group(1)]
        if quoted and found.group(2) == "*":
            return [None if None in items else " ".join(items)]  # type: ignore[arg-type]
        return list(items)

    def word(self, node) -> str | None:
        kind = node.type
        if kind in ("word", "number"):
            return re.sub(r"\\(.)", r"\1", self.text(node))
        if kind == "raw_string":
            return self.text(node)[1:-1]
        if kind == "ansi_c_string":
            return None
        if kind in ("string", "concatenation"):
            parts = []
            for child in node.children:
                if child.type == '"':
                    continue
                value = self.text(child) if child.type == "string_content" else self.word(child)
                if value is None:
                    return None
                parts.append(value)
            if parts == [ARGS]:
                return ARGS
            return None if ARGS in parts else "".join(parts)
        if kind == "simple_expansion":
            lead, name = _expanded_name(self.text(node))  # `" $CMD"`: the grammar puts a string's space in it
            value = self.variable(name)
            return value if not lead or value is None or value == ARGS else lead + value
        if kind == "expansion":
            lead, inner = _expanded_name(self.text(node))  # `" ${CMD}"`, as `" $CMD"`
            value = self.expansion(inner[1:-1])
            return value if not lead or value is None or value == ARGS else lead + value
        if kind == "command_substitution" and self.folder is not None and names_own_folder(self.text(node)):
            return self.folder
        if kind == "command_substitution" and names_working_folder(self.text(node)):
            return self.cwd  # `base_dir=$(pwd)`: the folder the script runs in, as far as it is known
        if kind == "command_substitution" and names_working_folders_parent(self.text(node)):
            return posixpath.dirname(self.cwd)  # `$(dirname "$PWD")/ddp.py`
        if kind == "command_substitution":
            return substituted_heredoc(self, node)  # `$(cat <<EOF ... EOF)`, or None
        return None  # command and process substitution, arithmetic, globs with brackets...

    def evaluated(self, node, words: list[str | None]) -> str | None:
        """The line `eval ...` or an unquoted `$cmd` as the command runs, with its unknown parts
        marked, where a variable known in part leaves a word unknown."""
        named = [child.children[0] if child.type == "command_name" and child.children else child
                 for child in node.children if child.is_named and child.type not in ("variable_assignment", "file_redirect")]
        if named and self.text(named[0]) == "exec" and words[:1] != ["exec"]:
            named = named[1:]  # `exec $cmd ...`: the words are those after exec
        if words[:1] == ["eval"]:
            named = named[1:]
        elif not (named and named[0].type == "simple_expansion" and words[:1] == [None]):
            return None
        if all(word is not None for word in words[1 if words[:1] == ["eval"] else 0:]):
            return None  # the words are known: read as they are
        parts = [self.partial_word(child) for child in named]
        return None if None in parts else " ".join(parts)  # type: ignore[arg-type]

    def partial_word(self, node) -> str | None:
        """A word's text with what sigcheck cannot know as UNKNOWN_PART; None for `"$@"`."""
        known = self.word(node)
        if known is not None:
            return None if known == ARGS else known
        kind = node.type
        if kind == "simple_expansion":
            lead, name = _expanded_name(self.text(node))
            return lead + self.partial.get(name, UNKNOWN_PART)
        if kind == "expansion":
            lead, braced = _expanded_name(self.text(node))
            inner = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)", braced[1:-1])
            return lead + (self.partial.get(inner.group(1), UNKNOWN_PART) if inner else UNKNOWN_PART)
        if kind in ("string", "concatenation"):
            # `"deepspeed train.py $@ --deepspeed"`, eval'd later (Megatron-DeepSpeed's run.sh): the
            # script's arguments are a part not known of the line, not the line's end
            parts = [self.text(child) if child.type == "string_content" else
                     _expanded_name(self.text(child))[0] + UNKNOWN_PART if self.word(child) == ARGS else self.partial_word(child)
                     for child in node.children if child.type != '"']
            return None if None in parts else "".join(parts)  # type: ignore[arg-type]
        return UNKNOWN_PART  # arithmetic, command substitution

    def variable(self, name: str) -> str | None:
        if name in ("@", "*"):
            return ARGS
        if name.isascii() and name.isdigit():
            index = int(name) - 1
            if self.args is None:
                return None
            return self.args[index] if 0 <= index < len(self.args) else ""
        if name == "PWD" and name not in self.vars:
            return self.cwd  # the folder the script runs in, as `$(pwd)` is
        return self.vars.get(name)

    def expansion(self, inner: str) -> str | None:
        match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*])(?:(:?[-=])(.*))?", inner, re.S)
        if match is None:
            return None
        value = self.variable(match.group(1))
        # a value set only inside an `if` may be unset when it is false: the default is then the
        # one that holds outside it (awsome-distributed-training's FSDP batch scripts set
        # TRAIN_SCRIPT for a container run only, then `${TRAIN_SCRIPT:=../src/train.py}`)
        unset_outside = match.group(1) in self.conditional
        if match.group(2) is not None and (value is None or unset_outside or value == "" and match.group(2).startswith(":")):
            default = match.group(3)
            if len(default) >= 2 and default[0] == default[-1] and default[0] in "\"'":
                default = default[1:-1]  # `${SRUN_ARGS:-""}`: the shell removes the quotes (mmdetection's slurm_train.sh)
            return default if "$" not in default and "`" not in default else None
        return value


def _expanded_name(text: str) -> tuple[str, str]:
    """The blanks before a `$NAME` (or `${...}`) expansion and what follows its `$`: tree-sitter-bash
    gives the expansion after a blank inside a string (`"$LAUNCHER $CMD"`) that blank too."""
    stripped = text.lstrip()
    return text[:len(text) - len(stripped)], stripped[1:]
