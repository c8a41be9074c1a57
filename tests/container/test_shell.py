"""Entry scripts through tree-sitter-bash: commands, exec, background, traps, expansions."""

from __future__ import annotations

import pytest

from sigcheck.container.shell import ARGS, UNKNOWN_PART, parse_shell, shebang
from sigcheck.loading.sources import LoadError

SCRIPT = """#!/usr/bin/env bash
set -euo pipefail
declare -A m=([a]=1)
APP=/opt/app
case "${MODE:-train}" in
  train) echo $((1 + 2)) ;;
esac
forward() { kill -TERM "$child"; }
trap forward TERM INT
cd $APP
python -u "$APP/train.py" "$@" &
child=$!
wait "$child"
"""


def test_commands_traps_and_background():
    script = parse_shell(SCRIPT, "run.sh", {}, ["train"])
    python = next(c for c in script.commands if c.name == "python")
    assert python.words == ("python", "-u", "/opt/app/train.py", "train")
    assert python.background and not python.exec and python.cwd == "/opt/app" and python.span[0] == 11
    trap = script.term_trap()
    assert trap.forwards and trap.signals == {"TERM", "INT"}  # through the function it names
    assert script.waits_after(python)


def test_exec_and_unknown_arguments():
    script = parse_shell('exec gosu u python t.py "$@"\n', "e.sh", {}, None)
    assert script.commands[0].exec and script.commands[0].words[-1] == ARGS


def test_syntax_error_is_located_with_offset():
    with pytest.raises(LoadError) as caught:
        parse_shell("echo ok\nif [ -f x ]; then\n", "Dockerfile", {}, None, line_offset=10)
    assert caught.value.line >= 11 and "shell syntax error" in caught.value.message


def test_shebang():
    assert shebang("#!/usr/bin/env python3 -u\n") == ["python3", "-u"]
    assert shebang("#!/bin/sh\n") == ["/bin/sh"] and shebang("echo") is None


def test_output_redirections_are_kept_with_the_command_they_belong_to():
    script = parse_shell("mkdir -p /d && echo '{}' > /d/h.json\ncat a >> /tmp/log 2>/dev/null\n"
                         "a && b > /f\necho hi &> /h\nsort < in.txt\n", "run.sh", {}, None, 0)
    written = {c.text: c.writes_to for c in script.commands}
    assert written == {"mkdir -p /d": (), "echo '{}'": ("/d/h.json",), "cat a": ("/tmp/log",), "a": (),
                       "b": ("/f",), "echo hi": ("/h",), "sort": ()}


def test_a_line_continued_into_the_end_of_the_file_is_the_last_command():
    # aws-samples' unsloth entrypoint.sh ends `--epochs 3 \` with nothing after it: bash runs it
    script = parse_shell("#!/bin/bash\necho start\npython train.py \\\n    --epochs 3 \\\n", "entrypoint.sh", {}, None)
    assert [c.words for c in script.commands][-1] == ("python", "train.py", "--epochs", "3")


def test_the_working_folder_stands_for_pwd():
    """`base_dir=$(pwd)` is the folder the script runs in: the image's WORKDIR, or a launch
    script's own folder; another command's output stays unknown."""
    script = parse_shell('base=`pwd`\nexec python $base/train.py\npython "$(pwd -P)/eval.py"\npython $(git root)/x.py\n',
                         "entry.sh", {}, [], cwd="/app")
    assert [c.words for c in script.commands] == [("python", "/app/train.py"), ("python", "/app/eval.py"),
                                                  ("python", None)]


def test_pwd_and_the_folder_above_it_are_where_the_script_runs():
    """`$PWD/../ddp.py` and `$(dirname "$PWD")/ddp.py` (awsome-distributed-training's ddp batch
    scripts; triage BL); a PWD the script sets is its own."""
    script = parse_shell('torchrun $PWD/train.py\ntorchrun $(dirname "$PWD")/ddp.py\ntorchrun $(dirname $PWD)/x.py\n'
                         'PWD=/elsewhere\npython $PWD/y.py\n', "job.sbatch", {}, [], cwd="/work/ddp/slurm")
    assert [c.words[-1] for c in script.commands] == ["/work/ddp/slurm/train.py", "/work/ddp/ddp.py", "/work/ddp/x.py",
                                                      "/elsewhere/y.py"]


def test_characters_past_ascii_never_reach_the_grammars_scanner():
    """Found by the fuzz profile: `{` before a character past U+7FFFF made tree-sitter-bash's
    scanner index C's ctype tables out of bounds: a segfault in most processes, as the memory is
    laid out. Run apart, in several processes, so that a crash fails this test instead of ending
    the suite; the words keep their characters."""
    import subprocess
    import sys

    code = ("from sigcheck.container.shell import parse_shell\n"
            "for n in range(64):\n"
            "    parse_shell('echo {' + chr(0x10FFFF - n) + '} {' + chr(0xE0000 + n) + '\\n', 'x', {}, None)\n"
            "print(parse_shell('cp {\\U000e0000} naïve.txt /opt/é\\n', 'x', {}, None).commands[0].words)\n")
    for _ in range(8):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip() == repr(("cp", "{\U000e0000}", "naïve.txt", "/opt/é"))


@pytest.mark.parametrize("script, words", [
    ("CMD=( 'python' '-u' )\n\"${CMD[@]}\" train.py --epochs 30\n", ("python", "-u", "train.py", "--epochs", "30")),
    ("CMD=(python)\nCMD+=(-u \"a b\")\n${CMD[@]} train.py\n", ("python", "-u", "a b", "train.py")),
    ("declare -a CMD=(torchrun --nproc_per_node 8)\nexec ${CMD[*]} train.py\n",
     ("torchrun", "--nproc_per_node", "8", "train.py")),
    ("CMD=(torchrun --nproc_per_node 8)\n\"${CMD[*]}\" train.py\n", ("torchrun --nproc_per_node 8", "train.py")),
    ("\"${UNSET[@]}\" train.py\n", (None, "train.py")),
], ids=["quoted", "appended, unquoted", "declared", "quoted [*]: one word", "an array not known"])
def test_an_array_expands_into_its_items(script, words):
    """mlcommons' retinanet `run_and_time.sh`: `CMD=( 'python' '-u' )`, then `"${CMD[@]}" train.py` (triage AX)."""
    (command,) = parse_shell(script, "run.sh", {}, None).commands
    assert command.words == words


@pytest.mark.parametrize("script, words", [
    # OpenRLHF's launch scripts: the command's arguments in a heredoc read whole into a variable
    ("read -r -d '' cmd <<EOF\npkg.train \\\n   --epochs 3\nEOF\ndeepspeed --module $cmd\n",
     ["deepspeed", "--module", "pkg.train", "--epochs", "3"]),
    ("LR=0.1\nread -r -d '' cmd <<EOF\npkg.train --lr $LR\nEOF\ndeepspeed --module $cmd\n",
     ["deepspeed", "--module", "pkg.train", "--lr", "0.1"]),
    ("cmd=$(cat <<EOF\npkg.train \\\n  --epochs 3\nEOF\n)\ndeepspeed --module $cmd\n",
     ["deepspeed", "--module", "pkg.train", "--epochs", "3"]),
    # quoted: the body as written, a backslash-newline kept (the shell splits it into a word `\`)
    ("read -r -d '' cmd <<'EOF'\npkg.train $X\nEOF\ndeepspeed --module $cmd\n",
     ["deepspeed", "--module", "pkg.train", "$X"]),
    # a part not known leaves the variable unknown, not half read
    ("read -r -d '' cmd <<EOF\npkg.train --lr $UNSET\nEOF\ndeepspeed --module $cmd\n", ["deepspeed", "--module", None]),
    # several names split the fields among them: not followed
    ("read -r a b <<EOF\nx y\nEOF\ndeepspeed $a\n", ["deepspeed", None]),
], ids=["read -d ''", "with a variable", "$(cat <<EOF)", "quoted delimiter", "unknown part", "two names"])
def test_a_variable_read_from_a_heredoc_holds_its_text(script, words):
    commands = parse_shell(script, "run.sh", {}, None).commands
    assert list(commands[-1].words) == words


@pytest.mark.parametrize("line, word", [
    ('bash -c "$LAUNCHER $CMD"', "accelerate launch train.py"),
    ('bash -c "${LAUNCHER} ${CMD}"', "accelerate launch train.py"),
    ('bash -c "$LAUNCHER  $CMD --x"', "accelerate launch  train.py --x"),
], ids=["two variables in a string", "braced", "two blanks and more"])
def test_variables_side_by_side_in_a_string_keep_the_blank_between(line, word):
    """tree-sitter-bash hands the blank before `$CMD` in `"$LAUNCHER $CMD"` to the expansion
    (awsome-distributed-training's trl/grpo/train.sbatch; triage BL)."""
    script = parse_shell(f'LAUNCHER="accelerate launch"\nCMD=train.py\n{line}\n', "run.sh", {}, None)
    assert script.commands[-1].words[-1] == word


@pytest.mark.parametrize("script, word", [
    # set for a container run only: outside it, the default holds (awsome-distributed-training's FSDP; triage BL)
    ("if [ -n \"$IMAGE\" ]; then\n    export S=./train.py\nfi\nexport S=${S:=../src/train.py}\npython $S\n",
     "../src/train.py"),
    ("case $MODE in\n  c) S=./train.py ;;\nesac\npython ${S:-../src/train.py}\n", "../src/train.py"),
    # set in every run: the default never holds
    ("S=./train.py\nexport S=${S:=../src/train.py}\npython $S\n", "./train.py"),
    # set under an `if`, with no default to fall back on: the value set is all there is
    ("if [ -n \"$IMAGE\" ]; then\n    S=./train.py\nfi\npython $S\n", "./train.py"),
], ids=["if, then :=", "case, then :-", "unconditional", "no default"])
def test_a_default_holds_where_the_variable_was_set_only_under_a_condition(script, word):
    script = parse_shell(script, "run.sh", {}, None)
    assert script.commands[-1].words[-1] == word


@pytest.mark.parametrize("script, words", [
    # Megatron-DeepSpeed's run.sh: the script's own arguments inside the line it evals
    ('run_cmd="deepspeed train.py $@ --deepspeed"\neval ${run_cmd}\n', "deepspeed train.py {} --deepspeed"),
    ('run_cmd="deepspeed train.py"$@\neval ${run_cmd}\n', "deepspeed train.py{}"),
], ids=["$@ in the string", "$@ glued on"])
def test_the_scripts_arguments_in_an_evaluated_line_are_a_part_not_known(script, words):
    (command,) = [c for c in parse_shell(script, "run.sh", {}, None).commands if c.words[:1] == ("eval",)]
    assert command.evaluated == words.format(UNKNOWN_PART)


def test_a_word_the_grammar_splits_at_a_dollar_stays_one():
    """tree-sitter-bash ends `--output=$DIR/logs/%x_%j_` at the `$` of `$DATETIME.log`
    (Megatron-DeepSpeed's pretrain_gpt3_175B.sh; triage BO): the two are one word."""
    (command,) = parse_shell("srun -l --output=$DIR/logs/%x_%j_$DATETIME.log python -u train.py\n", "job.sh", {}, None).commands
    assert command.words == ("srun", "-l", None, "python", "-u", "train.py")


def test_a_quoted_default_loses_its_quotes():
    """`SRUN_ARGS=${SRUN_ARGS:-""}` is empty, and `${SRUN_ARGS}` unquoted then gives no word
    (mmdetection's tools/slurm_train.sh; triage BR)."""
    script = parse_shell('SRUN_ARGS=${SRUN_ARGS:-""}\nN=${N:-\'8\'}\nsrun -p gpu ${SRUN_ARGS} --ntasks=$N python train.py\n',
                         "slurm_train.sh", {}, None)
    assert script.commands[-1].words == ("srun", "-p", "gpu", "--ntasks=8", "python", "train.py")
