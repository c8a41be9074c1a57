"""What a registered signal handler does for the training of a run: whether it leads to a save
(SIG002), where its ways to one stop, and whether a handler for another signal serves a stop that
SIGTERM could share (SIG001)."""

from __future__ import annotations

from sigcheck.checking.registration_conditions import rank_alternatives
from sigcheck.loading.pins import pinned_within
from sigcheck.model.signals import chains_previous
from sigcheck.model.trace import Point


def handler_proof(analysis, registration, entries):
    """How the handler saves for these entry points' runs: itself, through a handler it hands on to,
    or through rank 0's for every rank; None where none does (True for a library handler sigcheck
    knows nothing about)."""
    main = analysis.main_of(entries)
    return _prove(analysis, registration, main) or _chained_proof(analysis, registration, entries, main) \
        or next((p for other in rank_alternatives(analysis, registration) if (p := _prove(analysis, other, main))), None)


def serves_a_stop(analysis, entry, registration) -> bool:
    """Whether a handler for another signal than SIGTERM serves a stop of the entry point's run: it
    saves, itself or through a flag the training tests; for a stop signal (SIGINT, SIGUSR1...), also
    one that ends the training or whose exception unwinds to a save. A handler that only logs (a
    job follower's SIGINT that detaches) is none SIGTERM could share, nor is a timeout's (SIGALRM),
    which raises too."""
    handlers, main = [t.func_id for t in registration.handlers], analysis.main_of([entry])
    proof = analysis.saves.prove(handlers, main)
    if set(registration.signals) <= analysis.knowledge.stop_signals:
        return proof is not None or analysis.stopping.stops(handlers, main) is not None
    return proof is not None and not proof.unwinds


def _prove(analysis, registration, main):
    if registration.action == "handler":
        return analysis.saves.prove([t.func_id for t in registration.handlers], main)
    for entry in analysis.knowledge.exits.find(registration.external):
        if entry.option("effect") == "raise":
            return analysis.saves.unwinds_to_save(entry.option("raises"), main)
    return True  # a library handler sigcheck knows nothing about: not reported


def _chained_proof(analysis, registration, entries, main):
    """A handler that calls the one installed before it saves if another handler of its runs does
    (Megatron's telemetry handler, chained to its signal handler's stop flag)."""
    if registration.action != "handler" or not chains_previous(analysis.graph, [t.func_id for t in registration.handlers]):
        return None
    others = [r for r in analysis.sigterm_registrations() if r is not registration
              and any(e.runs(r.func_id, r.site) for e in entries)]
    return next((proof for other in others if (proof := _prove(analysis, other, main)) is not None), None)


def dead_ends(analysis, registration) -> list[Point]:
    """Where each way to a save stops: the flag nobody acts on, the exception nobody saves on."""
    handlers = [t.func_id for t in registration.handlers]
    points = [Point(p.func_id, p.node, "sets a stop flag, but no check of it leads to a save")
              for _, p in analysis.saves.flags_set(handlers)[:1]]
    for raised in analysis.saves.raised(handlers)[:1]:
        name = (raised.exception or "an exception").split(":")[-1].rsplit(".", 1)[-1]
        points.append(Point(raised.point.func_id, raised.point.node,
                            f"raises {name}, but no finally, matching except or atexit around the training saves"))
    return points


def in_other_runs(analysis, saved: list) -> str:
    """For a handler some entry points' runs save (or stop) on and others' do not (Megatron's,
    whose flag the pretrain_*.py scripts' loop checks and tasks/main.py's does not): which runs
    it does in."""
    if not saved:
        return ""
    shown = analysis.project.sources[saved[0].entry.module].display
    more = f" and {len(saved) - 1} more" if len(saved) > 1 else ""
    return f" in this run (it does in the run of {shown}{more})"


def unsaved_entries(analysis, registration, entries) -> list:
    """The entry points whose runs the handler saves nothing for: all, where no run's does; else
    each judged on its own (a shared handler class whose flag one script's loop saves on and
    another's only breaks on)."""
    if handler_proof(analysis, registration, entries) is None:
        return entries
    return [e for e in entries if handler_proof(analysis, registration, [e]) is None] if len(entries) > 1 else []


def handler_names(analysis, registration) -> str:
    """The registration's handlers as a message names them (a library's, by its name)."""
    if registration.action == "external":
        return registration.external
    return ", ".join(f"`{analysis.describe(t.func_id)}`" for t in registration.handlers)


def why_no_handler(analysis, entry) -> list[str]:
    """What a run with no SIGTERM handler has instead, as SIG001 names it: a pin before the
    library's handling, a registration only on the side of an `if` that does not train, a library's
    handling that needs a call the run never makes, a handler for other signals that would serve."""
    pinned = entry.handling_pinned_out
    notes = [_pin_note(analysis, pinned)] if pinned else []
    notes += [f"{analysis.describe(r.func_id)} registers one only on the side of an `if` that does not train"
              for r, _ in entry.registered_apart[:1]]
    notes += [f"the {analysis.graph.qualnames(*call[:2])[0].rsplit('.', 1)[-1]} it makes handles it only through "
              f"calls the run never makes" for call in entry.handling_unmade[:1]]
    return notes + other_signals_serving_a_stop(analysis, entry)


def _pin_note(analysis, pinned: str) -> str:
    """A release before the library's handling; or one that installed a handler doing nothing
    (pytorch-lightning 1.5.0 to 1.5.2 off Slurm: the signal is swallowed, the fit trains on)."""
    for entry in analysis.knowledge.frameworks.entries:
        window = entry.option("swallows")
        if window and pinned_within(pinned, entry.option("package", []), *window):
            return f"{pinned}: that release installs a SIGTERM handler that does nothing, so the run trains on until SIGKILL"
    return f"{pinned}: a release before the library handled SIGTERM"


def other_signals_serving_a_stop(analysis, entry) -> list[str]:
    """A handler the run registers for other signals only that serves a stop (latent-diffusion
    checkpoints on SIGUSR1, a callback's SIGABRT flag the loop polls): the one SIGTERM could
    share, as SIG001 names it."""
    for registration in entry.registrations:
        if registration.action == "handler" and registration.handlers and registration.signals \
                and not registration.covers_sigterm and not registration.uncatchable \
                and serves_a_stop(analysis, entry, registration):
            names = " and ".join(sorted(analysis.knowledge.signal_names.get(n, str(n)) for n in registration.signals))
            return [f"{analysis.describe(registration.handlers[0].func_id)} handles {names} only"]
    return []
