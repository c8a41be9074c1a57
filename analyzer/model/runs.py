"""Which functions the main threads of some entry points run, without listing them all.

In a package where every module is an entry point, thousands of entry points each reach tens of
thousands of functions through imports: one set per entry point is quadratic in time and memory.
Rules mostly ask whether an entry point runs one particular function (a registration, a child
start, a loop), so membership is answered by one walk backwards from that function, shared by
every entry point. Only when a rule needs the whole set is it listed, by one walk forwards from
all the entry points at once.
"""

from __future__ import annotations

from typing import Iterator

from sigcheck.model.callgraph import MAIN_THREAD, CallGraph, Step


class Reachability:
    """The walks backwards, one per function asked about, shared by every RunView."""

    def __init__(self, graph: CallGraph) -> None:
        self.graph = graph
        self._callers: dict[tuple[str, frozenset[str]], frozenset[str]] = {}

    def runners(self, func_id: str, kinds: frozenset[str] = MAIN_THREAD) -> frozenset[str]:
        """Every function whose run can lead to `func_id` over edges of `kinds` (itself included)."""
        key = (func_id, kinds)
        if key not in self._callers:
            self._callers[key] = frozenset(self.graph.reaching([func_id], kinds))
        return self._callers[key]

    def path(self, starts: frozenset[str], func_id: str, kinds: frozenset[str] = MAIN_THREAD) -> list[Step]:
        """The shortest path from one of `starts` to `func_id`: the walk forwards enters only the
        functions that lead to it, which keeps the same shortest paths."""
        within = self.runners(func_id, kinds)
        parents = self.graph.reach(sorted(starts & within), kinds, within)
        return self.graph.path(parents, func_id)


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
        return not self.starts.isdisjoint(self.reachability.runners(str(func_id), self.kinds))

    def __iter__(self) -> Iterator[str]:
        return iter(self.listed)

    def __len__(self) -> int:
        return len(self.listed)

    @property
    def listed(self) -> frozenset[str]:
        if self._listed is None:
            self._listed = frozenset(self.reachability.graph.reach(sorted(self.starts), self.kinds))
        return self._listed

    def path_to(self, func_id: str) -> list[Step]:
        return self.reachability.path(self.starts, func_id, self.kinds)
