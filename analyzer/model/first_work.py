"""The depth-first walk `WorkFinder.first_work` makes for an entry point's first training work,
memoising each function's answer where it holds from any entry point."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from sigcheck.model.callgraph import Step

if TYPE_CHECKING:
    from sigcheck.model.work import WorkFinder

_WORK = ("training loop", "fit call")
_ON_THREADS = frozenset({"thread", "executor"})  # the kinds of steps that start a function on another thread
Found = tuple  # (steps from the function, func_id, event, kind)


class FirstWorkSearch:
    """One depth-first walk for `WorkFinder.first_work`, on an explicit stack, that reads and
    fills the finder's memo. A function's answer is the same from any entry point when its walk
    skipped nothing entered before it that lacks a memoised answer (an answer cut short by a
    cycle elsewhere), and, for work found, when it is in no cycle: what it runs can then never be
    above it on another walk's stack. "Nothing found" after walking all it runs holds from
    anywhere. Each frame keeps the earliest entry number among such skips (`taint`)."""

    def __init__(self, finder: "WorkFinder", runs: Callable[[str], bool] | None = None, detours: bool = False,
                 threads: bool = True) -> None:
        self.finder = finder
        self.runs = runs  # given: a walk for one run only, with a memo of its own
        self.detours = detours  # also into the sides of `if`s that end the process (see _aside)
        self.threads = threads  # also into what a call starts on another thread of the process
        self.memo: dict[str, Found | None] = finder._first_memo[threads] if runs is None and not detours else {}
        self.within = finder.stepping
        self.cyclic = finder.cyclic
        self.stack: list[list] = []  # [func_id, its events and entered steps, taint, step that entered it]
        self.entered: dict[str, int] = {}  # entry number of each function entered in this walk

    def run(self, start: str) -> Found | None:
        if self._key(start, None) in self.memo:
            return self.memo[self._key(start, None)]
        self._enter(start, None)
        while self.stack:
            frame = self.stack[-1]
            item = next(frame[1], None)
            if item is None:
                self._finish()
                continue
            _, func_id, event = item
            if self._aside(item):
                continue
            if event is not None:
                kind = self.finder.work_kind(func_id, event, self.runs)
                if kind in _WORK:
                    return self._found(((), func_id, event, kind))
                continue
            step = item[0][-1]
            if func_id not in self.within or (self.runs is not None and not self.finder.holds(step, self.runs)):
                continue
            if not self.threads and step.kind in _ON_THREADS:
                continue
            if func_id in self.memo:
                if self.memo[func_id] is not None:
                    steps, where, what, kind = self.memo[func_id]
                    return self._found(((step, *steps), where, what, kind))
            elif func_id in self.entered:  # on the stack, or done here with nothing found
                frame[2] = min(frame[2], self.entered[func_id])
            else:
                self._enter(func_id, step)
        return None

    def _aside(self, item) -> bool:
        """Whether the event or call is in the branch a benchmark switch picks (`if args.benchmark:`):
        a run that times some steps is not the job, whose training the `else` holds; or, unless
        this walk takes detours, on a side of an `if` that ends the process (gpt-neox's `if
        coord_check: mup_coord_check(...)`, a few steps plotted, then sys.exit) or returns (doctr's
        learning-rate finder): a diagnostic mode, not the job's training after it. Those are the function's own branches, so its
        answer stays the same from any entry point."""
        path, func_id, event = item
        where, index = (func_id, event.index) if event is not None else (path[-1].caller, path[-1].site)
        return any(start < index < end for start, end in self.finder.benchmark_branches(where)) or \
            (not self.detours and any(start <= index < end for start, end in self.finder.exit_branches(where)))

    def _enter(self, func_id: str, step: Step | None) -> None:
        self.entered[func_id] = len(self.entered)
        path = (step,) if step is not None else ()  # entered: an imported module skips its main block
        self.stack.append([func_id, self.finder._run(func_id, path), len(self.entered), step])

    def _key(self, func_id: str, step: Step | None) -> str:
        """The memo's key: a module run as the program (the walk's start) runs its main block too."""
        return f"{func_id}#program" if step is None and self.finder.graph.main_block(func_id) else func_id

    def _keeps(self, func_id: str, taint: int) -> bool:
        return func_id not in self.cyclic and taint >= self.entered[func_id]

    def _finish(self) -> None:
        func_id, _, taint, step = self.stack.pop()
        if taint >= self.entered[func_id]:  # all it runs was walked and nothing found: so from anywhere
            self.memo[self._key(func_id, step)] = None
        if self.stack:
            self.stack[-1][2] = min(self.stack[-1][2], taint)

    def _found(self, found: Found) -> Found:
        """`found`, met in the top frame: each frame's own answer, memoised where it may be."""
        taint = len(self.entered)
        for func_id, _, frame_taint, step in reversed(self.stack):
            taint = min(taint, frame_taint)
            if self._keeps(func_id, taint):
                self.memo[self._key(func_id, step)] = found
            if step is not None:
                found = ((step, *found[0]), *found[1:])
        return found
