"""What an argparse namespace holds besides the options parsed: the values `set_defaults` gives it.

argparse's sub-command idiom (allennlp's `allennlp` command, many project CLIs):
`sub.add_parser("train").set_defaults(func=train_model)` for each command, then
`args = parser.parse_args(); args.func(args)` runs the chosen command's function. An attribute
of the namespace may so be any value a `set_defaults` call of the project gives that keyword, or
an option's value, which stays unknown (nothing is concluded from a default alone).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcheck.model.values import Value

if TYPE_CHECKING:
    from sigcheck.model.project import ProjectModel
    from sigcheck.model.resolve import Resolver


class NamespaceDefaults:
    """The `set_defaults` keywords of the project's summaries, indexed on first use (a namespace
    read), kept by each resolver of the run (read from the summaries alone)."""

    def __init__(self, project: "ProjectModel") -> None:
        self.project = project
        self._index: dict[str, list] | None = None

    def given(self, resolver: "Resolver", keyword: str) -> list[Value]:
        """The values `set_defaults(keyword=...)` calls anywhere in the project give."""
        if self._index is None:
            self._index = {}
            for summary in self.project.modules.values():
                for name, syms in summary.namespace_defaults.items():
                    self._index.setdefault(name, []).extend(syms)
        return [value for sym in self._index.get(keyword, ()) for value in resolver.resolve(sym)]
