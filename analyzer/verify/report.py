"""What a run showed, as a verdict line, a text report and JSON (see README, "sigcheck verify")."""

from __future__ import annotations

import json
import shlex
import signal
from dataclasses import dataclass

from sigcheck import __version__
from sigcheck.report.text import clean
from sigcheck.verify.compare import Comparison
from sigcheck.verify.namespace import Isolation
from sigcheck.verify.observation import FileChange
from sigcheck.verify.runner import RunResult
from sigcheck.verify.status import human_size

# Exit status of `sigcheck verify`: the job saved and stopped in time, it did not, or nothing was
# verified (a usage error, or the command ended before the stop signal was sent).
EXIT_SURVIVED, EXIT_LOST, EXIT_NOT_VERIFIED = 0, 1, 2


@dataclass
class Outcome:
    """The observed verdict, derived once from a run so text, JSON and --compare agree."""

    result: RunResult
    platform: str
    grace_source: str  # where the grace period came from

    @property
    def signalled(self) -> bool:
        return self.result.signal_sent_at is not None

    @property
    def saved_files(self) -> list[FileChange]:
        return [f for f in self.result.files if f.kept and f.after_signal and f.change != "deleted"]

    @property
    def lost_writes(self) -> list[FileChange]:
        return [f for f in self.result.files if not f.kept and f.change != "deleted"]

    @property
    def saved(self) -> bool | None:
        return bool(self.saved_files) if self.signalled else None

    @property
    def stopped(self) -> bool | None:
        return not self.result.killed_at_deadline if self.signalled else None

    @property
    def stopped_by(self) -> str:
        if not self.signalled:
            return "before-signal"
        if self.result.killed_at_deadline:
            return "deadline"
        return "signal" if (self.result.returncode or 0) < 0 else "exit"

    @property
    def status(self) -> str:
        code = self.result.returncode
        if code is None:
            return "no exit status"
        return f"exit status {code}" if code >= 0 else f"killed by {_signal_name(-code)}"

    @property
    def exit_code(self) -> int:
        if not self.signalled:
            return EXIT_NOT_VERIFIED
        return EXIT_SURVIVED if self.saved and self.stopped else EXIT_LOST

    def verdict(self) -> str:
        r = self.result
        if not self.signalled:
            line = (f"ended on its own after {r.runtime:.1f} s ({self.status}) before the stop signal was sent: "
                    f"nothing verified (use a shorter --after or a --when line)")
        elif r.killed_at_deadline:
            line = ("saved artifacts but did not stop: killed at the deadline" if self.saved
                    else "killed at the deadline, nothing saved")
        else:
            how = "" if self.stopped_by == "exit" and r.returncode == 0 else f" ({self.status})"
            line = (f"saved artifacts and stopped in {r.seconds_to_exit:.1f} s{how}" if self.saved
                    else f"stopped in {r.seconds_to_exit:.1f} s{how}, nothing saved")
        if self.lost_writes:
            line += f"; {len(self.lost_writes)} file(s) written outside model/, checkpoints/ and output/ are lost"
        if r.left_behind:
            line += f"; {len(r.left_behind)} child process(es) " + (
                "still running at the deadline" if r.killed_at_deadline else "left behind")
        return line


def as_dict(outcome: Outcome, isolation: Isolation, comparison: Comparison | None, kept_root: str | None) -> dict:
    r = outcome.result
    return {
        "version": __version__,
        "command": list(r.plan.argv),
        "pid1": isolation.pid1,
        "namespace_note": isolation.reason or None,
        "platform": outcome.platform,
        "signal": r.plan.stop_signal.name,
        "grace": r.plan.grace,
        "trigger": r.trigger,
        "signal_sent_after": _round(r.signal_sent_at),
        "seconds_to_exit": _round(r.seconds_to_exit),
        "runtime": _round(r.runtime),
        "exit_status": r.returncode if r.returncode is not None and r.returncode >= 0 else None,
        "killed_by": _signal_name(-r.returncode) if r.returncode is not None and r.returncode < 0 else None,
        "killed_at_deadline": r.killed_at_deadline,
        "stopped_by": outcome.stopped_by,
        "saved": outcome.saved,
        "stopped": outcome.stopped,
        "files": [_file(f, r.signal_wall) for f in r.files],
        "left_behind": [{"pid": c.pid, "command": c.command, "fate": c.fate} for c in r.left_behind],
        "verdict": outcome.verdict(),
        "output_tail": r.output_tail,
        "root": kept_root,
        "compare": None if comparison is None else _comparison(comparison),
    }


def render_json(outcome: Outcome, isolation: Isolation, comparison: Comparison | None, kept_root: str | None) -> str:
    return json.dumps(as_dict(outcome, isolation, comparison, kept_root), indent=2, ensure_ascii=False)


def render_text(outcome: Outcome, isolation: Isolation, comparison: Comparison | None, kept_root: str | None) -> str:
    r = outcome.result
    out = [f"sigcheck verify: {clean(shlex.join(r.plan.argv))}"]
    out.append("  run:        " + ("as PID 1 of a new PID namespace, as in a container" if isolation.pid1
                                   else f"as an ordinary process, not PID 1: {isolation.reason}"))
    if outcome.signalled:
        out.append(f"  stop:       {r.plan.stop_signal.name} at {r.signal_sent_at:.1f} s ({clean(r.trigger)}); "
                   f"SIGKILL {r.plan.grace:g} s later ({outcome.grace_source})")
        ended = "killed with SIGKILL at the deadline" if r.killed_at_deadline else outcome.status
        out.append(f"  ended:      {r.seconds_to_exit:.2f} s after the signal: {ended}")
    else:
        out.append(f"  ended:      after {r.runtime:.1f} s, before the stop signal: {outcome.status}")
    if outcome.signalled and not outcome.saved_files:
        out.append("  saved:      nothing under model/, checkpoints/ or output/ after the signal")
    groups = (("saved:", outcome.saved_files),
              ("earlier:", [f for f in r.files if f.kept and not f.after_signal and f.change != "deleted"]),
              ("deleted:", [f for f in r.files if f.change == "deleted"]),
              ("lost:", outcome.lost_writes))
    for label, files in groups:
        for i, f in enumerate(files):
            out.append(f"  {label if i == 0 else '':<11} {_describe(f, r.signal_wall)}")
    for child in r.left_behind:
        out.append(f"  left:       pid {child.pid} {clean(child.command)} ({child.fate})")
    if kept_root:
        out.append(f"  kept:       {clean(kept_root)}")
    if comparison is not None:
        out.extend(_comparison_lines(comparison))
    out.append(f"verdict: {outcome.verdict()}")
    return "\n".join(out)


def _comparison_lines(c: Comparison) -> list[str]:
    out = []
    if not c.findings:
        out.append("  static:     no findings")
    for f in c.findings:
        out.append(f"  static:     {clean(f['path'])}:{f['line']}: {f['code']} {clean(f['message'])}")
    if c.note:
        out.append(f"  compare:    not compared: {c.note}")
        return out
    for reason in c.prediction.reasons:
        out.append(f"  predicts:   {reason}")
    out.append(f"  compare:    static {_claims(c.prediction.saves, c.prediction.stops)}; "
               f"observed {_claims(c.observed_saves, c.observed_stops)}")
    if c.differences:
        out.extend(f"  differ:     {d}" for d in c.differences)
    else:
        out.append("  agree:      the static verdict and the observed behaviour agree")
    return out


def _claims(saves: bool | None, stops: bool | None) -> str:
    said = {True: "saves", False: "does not save", None: "may or may not save"}[saves]
    stopped = {True: "stops in time", False: "runs until SIGKILL", None: "may or may not stop in time"}[stops]
    return f"{said}, {stopped}"


def _comparison(c: Comparison) -> dict:
    return {
        "findings": c.findings,
        "predicted": {"saved": c.prediction.saves, "stopped": c.prediction.stops},
        "observed": {"saved": c.observed_saves, "stopped": c.observed_stops},
        "reasons": list(c.prediction.reasons),
        "agrees": c.agrees,
        "differences": c.differences,
        "note": c.note or None,
    }


def _describe(f: FileChange, signal_wall: float | None) -> str:
    when = ""
    if f.change != "deleted" and signal_wall is not None:
        delta = f.mtime - signal_wall
        when = f", written {abs(delta):.2f} s {'after' if delta >= 0 else 'before'} the signal"
    size = "" if f.change == "deleted" else f" ({human_size(f.size)}{when})"
    return f"{clean(f.path)}{size}{' [new]' if f.change == 'new' else ''}"


def _file(f: FileChange, signal_wall: float | None) -> dict:
    return {
        "path": f.path, "area": f.area, "change": f.change, "size": f.size, "mtime": f.mtime,
        "after_signal": f.after_signal,
        "seconds_after_signal": None if signal_wall is None or f.change == "deleted" else round(f.mtime - signal_wall, 3),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
