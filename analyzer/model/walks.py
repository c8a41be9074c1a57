"""Walks over the built call graph: forwards from some functions (reach), backwards from others
(reaching), the path a walk forwards found, a function's callers. A module body's `if __name__ ==
"__main__":` block runs when the module is the program, not when another module imports it: the
walks leave it out where they arrive by an import. A mixin of CallGraph, which holds the graph
(a networkx MultiDiGraph, edges keyed by kind, each with its call site) and the project.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable

from sigcheck.model import ir

if TYPE_CHECKING:
    from sigcheck.model.project import ProjectModel

MAIN_THREAD = frozenset({"call", "import", "reference", "callback"})


@dataclass(frozen=True)
class Step:
    """One edge of a path through the graph: `caller` runs `callee` at event `site`."""

    caller: str
    site: int
    callee: str
    kind: str


class GraphWalks:
    graph: Any  # networkx.MultiDiGraph
    project: "ProjectModel"
    _main_blocks: dict[str, frozenset[int]]

    def reach(self, sources: Iterable[str], kinds: frozenset[str], within: frozenset[str] | None = None,
              opens: Callable[[frozenset[str]], bool] | None = None,
              cut: frozenset[tuple[str, int, str]] = frozenset()) -> dict[str, Step | None]:
        """Every function reachable from `sources` over edges of `kinds` (entering only those
        `within`, if given), with the edge that first reached it (breadth first, so paths are
        shortest). With `opens`, an edge that holds only for some passers (see condition) is
        followed only if `opens(passers)`. The calls `cut` (caller, site, callee) are not followed."""
        parents: dict[str, Step | None] = {}
        queue = deque()
        for source in sources:
            if source not in parents:
                parents[source] = None
                queue.append(source)
        while queue:
            current = queue.popleft()
            if current not in self.graph:
                continue
            skipped = self.main_block(current) if parents[current] is not None else ()
            for _, callee, kind, data in self.graph.out_edges(current, keys=True, data=True):
                site = data["site"]
                if site in skipped:
                    continue  # an imported module's `if __name__ == "__main__":` block does not run
                if kind in kinds and callee not in parents and (within is None or callee in within):
                    if opens is not None and "passers" in data and not opens(data["passers"]):
                        continue
                    if cut and (current, site, callee) in cut:
                        continue
                    parents[callee] = Step(current, site, callee, kind)
                    queue.append(callee)
        return parents

    def reaching(self, targets: Iterable[str], kinds: frozenset[str] = MAIN_THREAD, own_calls: bool = False) -> set[str]:
        """`targets` and every function that reaches one of them over edges of `kinds`: one walk
        backwards from all targets at once. `own_calls`: not over a wrapper's call of the def
        its decorator was handed (see wrapper_of_def): each call of the def's name runs that def
        itself, the wrapper runs only the def it was made for."""
        found = set(targets)
        as_script: set[str] = set()  # module bodies that reach a target only from their main block
        queue = deque(found)
        while queue:
            current = queue.popleft()
            if current not in self.graph:
                continue
            for caller, _, kind, data in self.graph.in_edges(current, keys=True, data=True):
                site = data["site"]
                if kind not in kinds or (caller in found and caller not in as_script) \
                        or (own_calls and data.get("passers") == frozenset({current})):
                    continue
                if site in self.main_block(caller):
                    if caller not in found:  # it reaches the target when run, not when imported
                        found.add(caller)
                        as_script.add(caller)
                    continue
                found.add(caller)
                as_script.discard(caller)
                queue.append(caller)
        return found

    def main_block(self, func_id: str) -> frozenset[int]:
        """The events of a module body's `if __name__ == "__main__":` block: they run when the
        module is the program, not when another module imports it."""
        found = self._main_blocks.get(func_id)
        if found is None:
            fn = self.project.functions.get(func_id)
            found = frozenset(i for e in fn.events if isinstance(e, ir.Branch) and e.guard == "main"
                              for i in range(e.index + 1, e.then_end)) if fn is not None and fn.kind == "module" \
                else frozenset()
            self._main_blocks[func_id] = found
        return found

    @staticmethod
    def path(parents: dict[str, Step | None], target: str) -> list[Step]:
        steps: list[Step] = []
        current = parents.get(target)
        while current is not None:
            steps.append(current)
            current = parents.get(current.caller)
        return steps[::-1]

    def callers(self, func_id: str, kinds: frozenset[str] = MAIN_THREAD) -> list[Step]:
        if func_id not in self.graph:
            return []
        return [Step(caller, site, func_id, kind)
                for caller, _, kind, site in self.graph.in_edges(func_id, keys=True, data="site") if kind in kinds]
