from __future__ import annotations

from sigcheck.checking.results import Edit, Fix
from sigcheck.checking.rule import Example, Rule
from sigcheck.checking.suppressions import comment_span
from sigcheck.loading.sources import source_lines
from sigcheck.model.trace import Point


class UnusedSuppression(Rule):
    """A `# sigcheck: ignore` comment that silences nothing.

    ## What it does
    After every other selected rule has run, reports suppression comments (`# sigcheck:
    ignore[CODE]` and bare `# sigcheck: ignore`) on lines where they silenced no finding. A code
    whose rule did not run in this invocation is not judged. Off by default: enable it with
    `extend-select = ["SCK001"]`.

    ## Why is this bad?
    A stale suppression hides the next real finding on that line: after the handler is fixed and
    broken again, nobody is told. Like ruff's RUF100, this keeps suppressions honest.

    ## Example
    ```python
    signal.signal(signal.SIGTERM, on_sigterm)  # sigcheck: ignore[SIG002]
    ```
    (where `on_sigterm` now saves, so SIG002 no longer fires)

    ## Use instead
    ```python
    signal.signal(signal.SIGTERM, on_sigterm)
    ```

    ## Fix safety
    Removing an unused comment (or the unused codes from its list) is safe.
    """

    code = "SCK001"
    name = "unused-suppression"
    severity = "warning"
    default_enabled = False
    after_suppressions = True

    valid = (
        Example("""
import signal, sys

def on_sigterm(signum, frame):
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)  # sigcheck: ignore[SIG002]
for epoch in range(10):
    loss.backward()
    optimizer.step()
""", "the comment silences a real SIG002", select=("SIG002",)),
        Example("""
x = 1  # sigcheck: ignore[DKR001]
""", "DKR001 did not run, so its suppression cannot be judged"),
    )
    invalid = (
        Example("""
import signal, sys, torch

def on_sigterm(signum, frame):
    torch.save(model.state_dict(), "ckpt.pt")
    sys.exit(0)

# expect: SCK001
signal.signal(signal.SIGTERM, on_sigterm)  # sigcheck: ignore[SIG002]
for epoch in range(10):
    loss.backward()
    optimizer.step()
""", "the handler saves now, so the suppression is stale", select=("SIG002",)),
    )

    def check(self, analysis):
        usage = analysis.suppression_usage
        if usage is None:
            return
        for display, (source, suppressions) in sorted(usage.files.items()):
            lines = source_lines(source.text)
            for line, code in suppressions.unused():
                if code is not None and code not in usage.codes_run:
                    continue
                text = lines[line - 1] if line <= len(lines) else ""
                span = comment_span(text)
                if span is None:
                    continue
                anchor = self._point(analysis, source, display, (line, span[0], line, span[1]))
                what = f"[{code}]" if code else ""
                yield self.finding(anchor, f"Unused suppression `# sigcheck: ignore{what}`: nothing was reported here",
                                   [anchor], self._fix(display, line, text, span, code, suppressions))

    @staticmethod
    def _point(analysis, source, display, span) -> Point:
        for module, python in analysis.project.sources.items():
            if python.display == display:
                return Point(analysis.project.modules[module].body_id, None, "suppression", span=span)
        return Point.in_document(display, span, "suppression")

    @staticmethod
    def _fix(display, line, text, span, code, suppressions) -> Fix:
        codes = suppressions.lines.get(line)
        remaining = sorted(c for c in (codes or ()) if c != code and (line, c) in suppressions.used)
        start = span[0]
        if remaining:
            content = f"# sigcheck: ignore[{', '.join(remaining)}]"
        else:
            content = ""
            while start > 1 and text[start - 2] in " \t":
                start -= 1  # take the spaces before the comment with it
        return Fix("Remove the unused suppression", (Edit(display, line, start, line, span[1], content),), safe=True)
