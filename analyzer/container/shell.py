"""Shell scripts read with tree-sitter-bash: the simple commands they run, and how.

For the launch chain what matters is each command's words (with the variables we can know
expanded, and `"$@"` spliced in), whether it is `exec`'d, put in the background, part of a
pipeline or an `&&` list, and which `trap`s and `wait`s the script has. tree-sitter parses every
construct bash has (arrays, `[[ ]]`, `case`, arithmetic, heredocs) and places every node, so a
script with a syntax error is reported at the error.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

import tree_sitter
import tree_sitter_bash

from sigcheck.container.heredocs import read_from_heredoc
from sigcheck.container.shell_words import ARGS, UNKNOWN_PART, Words
from sigcheck.loading.sources import LoadError

_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
# What the parser reads: every byte of a non-ASCII character as `x`. The grammar's scanner hands
# characters to C's ctype functions, whose tables end at 255: `{` before a character past
# U+7FFFF read out of bounds and crashed the process (the fuzz profile, any release of
# tree-sitter-bash up to 0.25.1). The byte offsets stay those of the text, which is sliced by
# them, and a non-ASCII character is part of a word to bash as `x` is.
_ASCII = bytes(range(128)) + b"x" * 128
_SIGNAL_NUMBERS = {"1": "HUP", "2": "INT", "3": "QUIT", "9": "KILL", "10": "USR1", "12": "USR2", "15": "TERM"}
_BRANCHES = frozenset({"if_statement", "case_statement"})
_STATEMENT_CONTAINERS = {"program", "compound_statement", "do_group", "if_statement", "elif_clause",
                         "else_clause", "case_item", "subshell"}


@dataclass(frozen=True)
class ShellCommand:
    words: tuple[str | None, ...]  # None: a word sigcheck cannot know (command substitution...)
    span: tuple[int, int, int, int]  # (line, column, end_line, end_column), 1-based, in the script
    text: str
    exec: bool = False  # run by the `exec` builtin: it replaces the shell
    background: bool = False  # followed by `&`
    pipeline: bool = False
    in_list: bool = False  # part of `a && b` or `a || b`
    function: str | None = None  # defined in this shell function, run only when it is called
    cwd: str = "/"  # the working directory after the script's `cd`s
    writes_to: tuple[str, ...] = ()  # files its output is redirected into: `echo {} > /x/y.json`
    appends_to: tuple[str, ...] = ()  # those of them it appends to (`>>`)
    # `eval $cmd` or `$cmd` where cmd holds parts sigcheck cannot know: the line it runs, each such
    # part UNKNOWN_PART (`cmd="deepspeed --num_gpus $((G*N)) train.py"`: DeepSpeed-Domino's launches)
    evaluated: str | None = None
    # the variables the script exported before it, and those its own prefix sets (`A=1 mpirun ...`),
    # as far as they are known: the command's environment beyond the image's
    env: tuple[tuple[str, str], ...] = ()
    # the entries of its PYTHONPATH that are known (`PYTHONPATH="$(dirname $0)/..":$PYTHONPATH python ...`)
    python_path: tuple[str, ...] = ()

    @property
    def name(self) -> str | None:
        return self.words[0] if self.words else None

    @property
    def runs_arguments(self) -> bool:
        return bool(self.words) and self.words[0] == ARGS


@dataclass(frozen=True)
class Trap:
    action: str
    signals: frozenset[str]  # "TERM", "INT", "EXIT"
    line: int
    forwards: bool  # the action (or the function it calls) runs `kill`


@dataclass
class ShellScript:
    commands: list[ShellCommand] = field(default_factory=list)
    traps: list[Trap] = field(default_factory=list)
    functions: dict[str, str] = field(default_factory=dict)  # name -> body text

    def waits_after(self, command: ShellCommand) -> bool:
        after = self.commands[self.commands.index(command) + 1:] if command in self.commands else []
        return any(c.name == "wait" and c.function is None for c in after)

    def term_trap(self) -> Trap | None:
        return next((t for t in self.traps if "TERM" in t.signals and t.action not in ("", "-")), None)


def parse_shell(text: str, display: str, env: dict[str, str], args: list[str] | None,
                line_offset: int | tuple[int, int, int, int] = 0, cwd: str = "/",
                folder: str | None = None, tolerant: bool = False) -> ShellScript:
    """Parse a script; `args` are its positional parameters when known. A syntax error is a
    LoadError at its place (`line_offset` shifts lines for a script inside a Dockerfile; a span
    instead places every command there: a file a RUN writes with printf has no lines of its own).
    `folder`: where the script lies, which `$(dirname "$0")` and its variants stand for.
    `tolerant`: read around what does not parse, as bash runs the commands it can."""
    stripped = text.rstrip()
    if stripped.endswith("\\") and not stripped.endswith("\\\\"):
        # `python train.py \` then the end of the file: bash joins the line with nothing and runs it,
        # tree-sitter calls it an error
        text = stripped[:-1] + "\n"
    tree = _PARSER.parse(text.encode("utf-8").translate(_ASCII))
    if tree.root_node.has_error and not tolerant:
        bad = _first_error(tree.root_node)
        line, column = (line_offset[:2] if isinstance(line_offset, tuple)
                        else (bad.start_point.row + 1 + line_offset, bad.start_point.column + 1))
        what = f"missing {bad.type!r}" if bad.is_missing else "unexpected text"
        raise LoadError(display, f"shell syntax error: {what}", line, column)
    reader = _Reader(text.encode("utf-8"), dict(env), args, line_offset, cwd)
    reader.folder = folder
    reader.walk(tree.root_node)
    script = reader.script
    for trap in list(script.traps):
        if not trap.forwards and trap.action.split()[:1] and trap.action.split()[0] in script.functions:
            body = script.functions[trap.action.split()[0]]
            script.traps[script.traps.index(trap)] = Trap(trap.action, trap.signals, trap.line, _kills(body))
    return script


def shebang(text: str) -> list[str] | None:
    """`#!/usr/bin/env python3 -u` -> ["python3", "-u"]; None without a shebang line."""
    if not text.startswith("#!"):
        return None
    words = text[2:].split("\n", 1)[0].split()
    if words and words[0].endswith("/env"):
        words = [w for w in words[1:] if w != "-S"]
    return words or None


def _first_error(node):
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            return _first_error(child)
    return node


def _kills(text: str) -> bool:
    return re.search(r"(^|[\s;&|({])kill(\s|$)", text) is not None


class _Reader(Words):
    def __init__(self, source: bytes, env: dict[str, str], args: list[str] | None,
                 line_offset: int | tuple[int, int, int, int], cwd: str) -> None:
        self.cwd = cwd
        self.folder: str | None = None  # the script's own folder, when known
        self.source = source
        self.vars = env
        self.partial: dict[str, str] = {}  # variables known in part: their text with UNKNOWN_PART in the rest
        self.exported: dict[str, str] = {}  # variables the script exports, with their values
        self.python_path = ""  # the exported PYTHONPATH, UNKNOWN_PART where a part is not known
        self.arrays: dict[str, list[str | None]] = {}  # bash arrays: `CMD=(python -u)`
        self.branching = 0  # how many `if`s and `case`s the walk is inside
        self.conditional: set[str] = set()  # variables last set inside one (see Words.expansion)
        self.args = args
        self.fixed = line_offset if isinstance(line_offset, tuple) else None
        self.offset = 0 if self.fixed else line_offset
        self.script = ShellScript()

    def walk(self, node, function: str | None = None, background: bool = False, pipeline: bool = False,
             in_list: bool = False) -> None:
        if node.type == "function_definition":
            name = self.text(node.children[0]) if node.children else ""
            body = node.child_by_field_name("body")
            self.script.functions[name] = self.text(body) if body is not None else ""
            for child in node.children:
                self.walk(child, name, background, pipeline, in_list)
            return
        if node.type == "variable_assignment" and function is None:
            self.assign(node)
            return
        if node.type == "declaration_command" and function is None:
            exports = bool(node.children) and self.text(node.children[0]) == "export"
            for child in node.children:
                if child.type == "variable_assignment":
                    self.assign(child)
                names = [self.text(c) for c in (child, child.child_by_field_name("name")) if c is not None
                         and c.type == "variable_name"] if exports else []
                for name in names[:1]:
                    if name in self.vars:
                        self.exported[name] = self.vars[name]
                    if name == "PYTHONPATH":
                        self.python_path = self.vars.get(name, self.partial.get(name, ""))
            return
        if node.type == "command":
            self.command(node, function, background, pipeline, in_list)
            return
        read = read_from_heredoc(self, node) if node.type == "redirected_statement" and function is None else None
        if read is not None and read[1] is not None:  # `read -r -d '' CMD <<EOF`: CMD holds the heredoc's text
            self.vars[read[0]] = read[1]
        elif read is not None:
            self.vars.pop(read[0], None)
        children = node.children
        self.branching += node.type in _BRANCHES
        for index, child in enumerate(children):
            after = children[index + 1] if index + 1 < len(children) else None
            backgrounded = background or (node.type in _STATEMENT_CONTAINERS and after is not None and after.type == "&")
            self.walk(child, function, backgrounded, pipeline or node.type == "pipeline",
                      in_list or node.type == "list")
        self.branching -= node.type in _BRANCHES

    def assign(self, node) -> None:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        if name_node is None:
            return
        name = self.text(name_node)
        if value_node is not None and value_node.type == "array":
            items = [self.word(item) for item in value_node.named_children]
            appends = any(child.type == "+=" for child in node.children)
            self.arrays[name] = [*self.arrays.get(name, []), *items] if appends else items
            return
        value = self.word(value_node) if value_node is not None else ""
        (self.conditional.add if self.branching else self.conditional.discard)(name)  # once its value is read
        self.partial.pop(name, None)
        if value is None or value == ARGS:
            self.vars.pop(name, None)
            partial = self.partial_word(value_node) if value_node is not None else None
            if partial is not None and partial.replace(UNKNOWN_PART, "").strip():
                self.partial[name] = partial
        else:
            self.vars[name] = value
            if name in self.exported:  # exported once, the variable goes to the commands with its new value
                self.exported[name] = value

    def command(self, node, function, background, pipeline, in_list) -> None:
        words: list[str | None] = []
        env = dict(self.exported)
        python_path = self.python_path
        last = None  # the node of the word before
        for child in node.children:
            if child.type == "variable_assignment":  # `A=1 python x.py`: the assignment is for the command only
                name, value = child.child_by_field_name("name"), child.child_by_field_name("value")
                known = self.word(value) if value is not None else ""
                if name is not None and known is not None:
                    env[self.text(name)] = known
                if name is not None and self.text(name) == "PYTHONPATH":
                    python_path = known if known is not None else (self.partial_word(value) or "")
                continue
            if child.type in ("file_redirect", "herestring_redirect"):
                continue
            if child.type == "command_name":
                child = child.children[0] if child.children else child
            glued = child.is_named and last is not None and words and child.start_byte == last.end_byte \
                and self.text(last).endswith("$")  # `%j_$DATETIME.log`: the grammar ends a word at a `$` after `%`
            last = child if child.is_named else last
            if glued:  # one word with the one before, as bash reads it
                words[-1] = None
                continue
            if child.is_named:
                items = self.array_items(child)
                if items is not None:  # `"${CMD[@]}" train.py`: each item a word
                    words.extend(items)
                    continue
                value = self.word(child)
                if value == ARGS and self.args is not None:
                    words.extend(self.args)
                elif child.type in ("simple_expansion", "expansion") and value is not None and value != ARGS:
                    # unquoted: the shell splits it into words (a backslash-newline in the quotes that
                    # assigned it continues the line), and drops it empty
                    words.extend(value.replace("\\\n", " ").split())
                else:
                    words.append(value)
        if len(words) > 1 and words[0] == "eval" and None not in words[1:]:
            words = words[1:]  # `eval "$@"`: its words run as a command (mmpose's serve entrypoint.sh)
        is_exec = False
        if words and words[0] == "exec":
            is_exec = True
            words = words[1:]
            while words and words[0] in ("-c", "-l"):
                words = words[1:]
            if words and words[0] == "-a":
                words = words[2:]
        (row, col), (end_row, end_col) = node.start_point, node.end_point
        span = self.fixed or (row + 1 + self.offset, col + 1, end_row + 1 + self.offset, end_col + 1)
        redirects = self.redirect_targets(node)
        command = ShellCommand(tuple(words), span, self.text(node), is_exec, background, pipeline, in_list, function,
                               self.cwd, tuple(t for t, _ in redirects), tuple(t for t, appends in redirects if appends),
                               self.evaluated(node, words), tuple(env.items()),
                               tuple(e for e in python_path.split(":") if e and UNKNOWN_PART not in e))
        self.script.commands.append(command)
        if command.name == "cd" and function is None and len(words) == 2:
            self.cwd = posixpath.normpath(posixpath.join(self.cwd, words[1])) if words[1] else self.cwd
        if command.name == "trap":
            self.trap(command)

    def redirect_targets(self, node) -> list[tuple[str, bool]]:
        """The files a command's output goes to (`>`, `>>`, `&>`), as far as they are known, and
        whether it appends to each."""
        parent = node.parent
        while parent is not None and parent.type == "list" and parent.named_children[-1] == node:
            node, parent = parent, parent.parent  # tree-sitter reads `a && b > f` as `(a && b) > f`
        if parent is None or parent.type != "redirected_statement":
            return []
        targets = []
        for child in parent.children:
            destination = child.child_by_field_name("destination") if child.type == "file_redirect" else None
            operator = next((c.type for c in child.children if not c.is_named), "")
            descriptor = next((self.text(c) for c in child.children if c.type == "file_descriptor"), "1")
            if destination is not None and operator in (">", ">>", "&>", "&>>", ">|") and descriptor == "1":
                value = self.word(destination)
                if value:
                    targets.append((value, operator in (">>", "&>>")))
        return targets

    def trap(self, command: ShellCommand) -> None:
        words = list(command.words[1:])
        if not words or words[0] in ("-p", "-l"):
            return
        if words[0] == "--":
            words = words[1:]
        action = words[0] or ""
        signals = set()
        for word in words[1:]:
            name = (word or "").upper().removeprefix("SIG")
            signals.add(_SIGNAL_NUMBERS.get(name, name))
        self.script.traps.append(Trap(action, frozenset(signals), command.span[0], _kills(action)))
