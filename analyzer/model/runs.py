"""Which functions the main threads of some entry points run, without listing them all.

In a package where every module is an entry point, thousands of entry points each reach tens of
thousands of functions through imports: one set per entry point is quadratic in time and memory.
Rules mostly ask whether an entry point runs one particular function (a registration, a child
start, a loop), so membership is answered by one walk backwards from that function, shared by
every entry point. Only when a rule needs the whole set is it listed, by one walk forwards from
all the entry points at once.

A call through a parameter holds only for the runs that passed the callable (CallGraph.condition):
with a `launch(main)` shared by a dozen tools, each tool runs its own main. Membership honours
that: where the way to a function crosses such calls, one walk backwards records which passers
each caller needs, and a run has the function if it runs a passer of each call on one way there.
Whether a run runs a passer honours the passer's own ways the same way, to a few levels: a passer
reached only through the call it passes to is not run (the least answer, not the greatest).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Iterator

from sigcheck.model.callgraph import MAIN_THREAD, CallGraph, Step


Needs = frozenset  # of passer sets: a run meets the needs if it runs one passer of each set
_MAX_NEEDS = 8  # ways with different needs kept per function; past it, the function is open to all
_MAX_OPENING = 4  # passers' own calls through parameters followed within one another (see opens)


class Reachability:
    """The walks backwards, one per function asked about, shared by every RunView."""

    def __init__(self, graph: CallGraph) -> None:
        self.graph = graph
        self._callers: dict[tuple[str, frozenset[str]], frozenset[str]] = {}
        self._needs: dict[tuple[str, frozenset[str]], dict[str, list[Needs]] | None] = {}
        self._opened: dict[tuple, bool] = {}  # see opens
        self._opening: set[tuple] = set()  # the questions of opens being answered

    def runners(self, func_id: str, kinds: frozenset[str] = MAIN_THREAD) -> frozenset[str]:
        """Every function whose run can lead to `func_id` over edges of `kinds` (itself included)."""
        key = (func_id, kinds)
        if key not in self._callers:
            self._callers[key] = frozenset(self.graph.reaching([func_id], kinds))
        return self._callers[key]

    def reaches(self, starts: frozenset[str], func_id: str, kinds: frozenset[str] = MAIN_THREAD) -> bool:
        """Whether a run of `starts` runs `func_id`, each call through a parameter on the way
        passed by a function the run runs."""
        if starts.isdisjoint(self.runners(func_id, kinds)):
            return False
        needs = self.needs(func_id, kinds)
        if needs is None:
            return True
        return any(self.meets(starts, need, kinds) for start in starts for need in needs.get(start, ()))

    def meets(self, starts: frozenset[str], need: Needs, kinds: frozenset[str] = MAIN_THREAD) -> bool:
        return all(self.opens(starts, passers, kinds) for passers in need)

    def opens(self, starts: frozenset[str], passers: frozenset[str], kinds: frozenset[str] = MAIN_THREAD) -> bool:
        """Whether a run of `starts` runs one of `passers`, itself over calls that hold for the run.
        A passer the run reaches only through the very call it passes to is not run: litgpt's
        `save_checkpoint` hands `setup` to the CLI wrapper every script calls, and the wrapper
        runs that `setup` only in the script that passed it, not in every script whose wrapper
        call could lead to `save_checkpoint` if it did."""
        plain = [passer for passer in sorted(passers) if not starts.isdisjoint(self.runners(passer, kinds))]
        if not plain:
            return False
        key = (starts, passers, kinds)
        if key in self._opening:
            return False  # asked again while being answered: a way back through the same call
        known = self._opened.get(key)
        if known is not None:
            return known
        if len(self._opening) >= _MAX_OPENING:
            return True  # calls within calls this deep: plain membership
        self._opening.add(key)
        try:
            answer = any(self.reaches(starts, passer, kinds) for passer in plain)
        finally:
            self._opening.discard(key)
        if not self._opening:  # an answer found under no assumption of one being asked above it
            self._opened[key] = answer
        return answer

    def needs(self, func_id: str, kinds: frozenset[str] = MAIN_THREAD) -> dict[str, list[Needs]] | None:
        """For each function that can lead to `func_id`, the needs of its ways there (none kept
        that needs more than another); None when no way can cross a call that holds only for
        some passers."""
        key = (func_id, kinds)
        if key not in self._needs:
            within = self.runners(func_id, kinds)
            crossing = not self.graph.conditional_callers.isdisjoint(within)
            self._needs[key] = self._walk_needs(func_id, kinds) if crossing else None
        return self._needs[key]

    def _walk_needs(self, func_id: str, kinds: frozenset[str]) -> dict[str, list[Needs]]:
        """`CallGraph.reaching` for one target, with the passer sets each way needs. A module
        body that reaches it only from its main block is recorded (run as the program) but not
        walked on from (an import does not run that block)."""
        found: dict[str, list[Needs]] = {func_id: [frozenset()]}
        walked: dict[str, list[Needs]] = {func_id: [frozenset()]}
        queue = deque([(func_id, frozenset())])
        while queue:
            current, need = queue.popleft()
            for caller, _, kind, data in self.graph.graph.in_edges(current, keys=True, data=True):
                if kind not in kinds:
                    continue
                passers = data.get("passers")
                more = need | {passers} if passers else need
                _keep(found, caller, more)
                if data["site"] not in self.graph.main_block(caller) and _keep(walked, caller, more):
                    queue.append((caller, more if more in walked[caller] else frozenset()))  # else collapsed: open
        return found

    def path(self, starts: frozenset[str], func_id: str, kinds: frozenset[str] = MAIN_THREAD) -> list[Step]:
        """The shortest path from one of `starts` to `func_id`: the walk forwards enters only the
        functions that lead to it, which keeps the same shortest paths."""
        within = self.runners(func_id, kinds)
        parents = self.graph.reach(sorted(starts & within), kinds, within, self.opener(starts, kinds))
        return self.graph.path(parents, func_id)

    def opener(self, starts: frozenset[str], kinds: frozenset[str]):
        """For `CallGraph.reach`: an edge that holds only for some passers opens to this run if it
        runs one of them."""
        return lambda passers: self.opens(starts, passers, kinds)


def _keep(ways: dict[str, list[Needs]], func_id: str, need: Needs) -> bool:
    """Add a way's need unless one with fewer (a subset) is known; past _MAX_NEEDS ways the
    function counts as reached by every run, as it did before conditions were kept."""
    known = ways.get(func_id)
    if known is None:
        ways[func_id] = [need]
        return True
    if any(other <= need for other in known):
        return False
    kept = [other for other in known if not need <= other] + [need]
    ways[func_id] = kept if len(kept) <= _MAX_NEEDS else [frozenset()]
    return True


class RunView:
    """The functions the main threads of the entry points whose bodies are `starts` run."""

    def __init__(self, reachability: Reachability, starts: frozenset[str], kinds: frozenset[str] = MAIN_THREAD) -> None:
        self.reachability = reachability
        self.starts = starts
        self.kinds = kinds
        self._listed: frozenset[str] | None = None

    def __contains__(self, func_id: object) -> bool:
        if self._listed is not None:
            return func_id in self._listed
        return self.reachability.reaches(self.starts, str(func_id), self.kinds)

    def runs_a_passer(self, func_id: str) -> bool:
        """Whether the run runs a function that passes a callable on (CallGraph.condition), the
        function's own calls through parameters honoured (Reachability.opens): what a call that
        holds only for its passers is checked with."""
        return self.reachability.opens(self.starts, frozenset({func_id}), self.kinds)

    def __iter__(self) -> Iterator[str]:
        return iter(self.listed)

    def __len__(self) -> int:
        return len(self.listed)

    @property
    def listed(self) -> frozenset[str]:
        if self._listed is None:
            opener = self.reachability.opener(self.starts, self.kinds)
            self._listed = frozenset(self.reachability.graph.reach(sorted(self.starts), self.kinds, opens=opener))
        return self._listed

    def path_to(self, func_id: str) -> list[Step]:
        return self.reachability.path(self.starts, func_id, self.kinds)


@dataclass(frozen=True)
class CommandRun:
    """A run of an entry point where a command-line runner runs `command` (a subcommand with the
    groups and callbacks before it) and none of the other commands it could have run."""

    command: frozenset[str]
    parents: dict[str, Step | None]  # what the run runs, with the call that first reached it

    def __contains__(self, func_id: object) -> bool:
        return func_id in self.parents

    def path_to(self, graph: CallGraph, func_id: str) -> list[Step]:
        return graph.path(self.parents, func_id)


def command_runs(main: RunView) -> list[CommandRun]:
    """For each command-line runner the run of `main` reaches that picks one of several commands
    (CallGraph.choices), the run with each of its commands: one invocation runs one of them, so
    one command's handler does not cover another command's training."""
    graph = main.reachability.graph
    found = []
    for caller, site in graph.choice_sites:
        if caller not in main or (caller not in main.starts and site in graph.main_block(caller)):
            continue  # a runner under the `__main__` guard of a module the run only imports never runs
        alternatives = graph.choices(caller, site)
        every = frozenset().union(*alternatives)
        for command in alternatives:
            cut = frozenset((caller, site, other) for other in every - command)
            found.append(CommandRun(command, _reach_within(graph, main, cut)))
    return found


def _reach_within(graph: CallGraph, main: RunView, cut: frozenset) -> dict[str, Step | None]:
    """The command's run: a call that holds only for some passers opens if the command's own run
    runs one of them, not another command's (axolotl's `@send_errors` wraps the `preprocess` and
    `train` commands' functions: preprocess runs no train). Walked again as passers join it."""
    known: frozenset[str] = frozenset()
    for _ in range(_MAX_OPENING + 1):
        parents = graph.reach(sorted(main.starts), main.kinds, opens=lambda passers: not passers.isdisjoint(known), cut=cut)
        if len(parents) == len(known):
            break
        known = frozenset(parents)
    return parents
