"""Signal handler registrations in every spelling sigcheck understands."""

from __future__ import annotations

import pytest

SIGINT = 2


@pytest.fixture
def registrations(analysis):
    def build(code: str, files: dict[str, str] | None = None):
        return analysis({"train.py": code, **(files or {})}).registrations

    return build


def only(found):
    assert len(found) == 1, found
    return found[0]


def handler_ids(registration) -> set[str]:
    return {t.func_id for t in registration.handlers}


@pytest.mark.parametrize("header, call", [
    ("import signal", "signal.signal(signal.SIGTERM, on_term)"),
    ("import signal", "signal.signal(15, on_term)"),
    ("import signal", "signal.signal(signal.Signals.SIGTERM, on_term)"),
    ("import signal", "signal.signal(signalnum=signal.SIGTERM, handler=on_term)"),
    ("from signal import signal as sig, SIGTERM", "sig(SIGTERM, on_term)"),
    ("import signal as s", "s.signal(s.SIGTERM, on_term)"),
    ("from signal import *", "signal(SIGTERM, on_term)"),
])
def test_sigterm_spellings(registrations, header, call):
    registration = only(registrations(f"""
        {header}

        def on_term(signum, frame):
            pass

        {call}
    """))
    assert registration.api == "signal.signal"
    assert registration.signals == frozenset({15})
    assert registration.covers_sigterm
    assert registration.action == "handler"
    assert handler_ids(registration) == {"train:on_term"}
    assert registration.func_id == "train:<module>"


def test_other_signal_does_not_cover_sigterm(registrations):
    registration = only(registrations("""
        import signal

        def on_int(signum, frame):
            pass

        signal.signal(signal.SIGINT, on_int)
    """))
    assert registration.signals == frozenset({SIGINT})
    assert not registration.covers_sigterm


def test_loop_over_a_tuple_of_signals(registrations):
    registration = only(registrations("""
        import signal

        def on_stop(signum, frame):
            pass

        for s in (signal.SIGTERM, signal.SIGINT):
            signal.signal(s, on_stop)
    """))
    assert registration.signals == frozenset({15, SIGINT})
    assert handler_ids(registration) == {"train:on_stop"}


def test_module_constant_iterated_in_a_function(registrations):
    registration = only(registrations("""
        import signal

        STOP_SIGNALS = [signal.SIGTERM]

        def on_stop(signum, frame):
            pass

        def install():
            for number in STOP_SIGNALS:
                signal.signal(number, on_stop)
    """))
    assert registration.func_id == "train:install"
    assert registration.signals == frozenset({15})


def test_constant_imported_from_another_module(registrations):
    registration = only(registrations("""
        import signal
        from config import STOP_SIGNALS

        def on_stop(signum, frame):
            pass

        for number in STOP_SIGNALS:
            signal.signal(number, on_stop)
    """, {"config.py": "import signal\nSTOP_SIGNALS = (signal.SIGTERM, signal.SIGUSR1)\n"}))
    assert registration.signals == frozenset({15, 10})


def test_unknown_signal_expression(registrations):
    registration = only(registrations("""
        import os
        import signal

        def on_stop(signum, frame):
            pass

        signal.signal(int(os.environ["SIG"]), on_stop)
    """))
    assert registration.signals is None
    assert not registration.covers_sigterm


@pytest.mark.parametrize("parameter, call, signals", [
    ("sig: signal.Signals = signal.SIGTERM", "install()", frozenset({15})),
    ("sig: signal.Signals", "install(signal.SIGTERM)", frozenset({15})),
    ("sig: int = signal.SIGUSR1", "install()", frozenset({10})),
    ("sig: signal.Signals", "install(int(os.environ['SIG']))", None),  # which signal is not known
    ("sig: signal.Signals", "pass", None),  # called from nowhere sigcheck sees
])
def test_an_annotated_signal_parameter_stands_for_its_default_and_arguments(registrations, parameter, call, signals):
    """`sig: signal.Signals` says the parameter takes a signal, not which (Megatron's
    DistributedSignalHandler; triage BE): its default and its arguments do."""
    registration = only(registrations(f"""
        import os
        import signal

        def on_term(signum, frame):
            print(signum)

        def install({parameter}):
            signal.signal(sig, on_term)

        {call}
    """))
    assert registration.signals == signals


def test_add_signal_handler_with_extra_arguments(registrations):
    registration = only(registrations("""
        import asyncio
        import signal

        def on_term(loop):
            pass

        loop = asyncio.get_event_loop()
        loop.add_signal_handler(signal.SIGTERM, on_term, loop)
    """))
    assert registration.api == "add_signal_handler"
    assert registration.covers_sigterm
    assert registration.extra_args == 1
    assert handler_ids(registration) == {"train:on_term"}


def test_add_signal_handler_on_running_loop(registrations):
    registration = only(registrations("""
        import asyncio
        import signal

        async def main():
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGTERM, lambda: None)
    """))
    assert registration.api == "add_signal_handler"
    assert registration.extra_args == 0
    assert registration.action == "handler"


@pytest.mark.parametrize("handler, action", [
    ("signal.SIG_IGN", "ignore"),
    ("signal.SIG_DFL", "default"),
    ("signal.Handlers.SIG_IGN", "ignore"),
    ("signal.Handlers.SIG_DFL", "default"),
    ("1", "ignore"),
    ("0", "default"),
    ("signal.default_int_handler", "external"),
    ("signal.getsignal(signal.SIGTERM)", "unknown"),
])
def test_non_project_actions(registrations, handler, action):
    registration = only(registrations(f"""
        import signal

        signal.signal(signal.SIGTERM, {handler})
    """))
    assert registration.action == action
    assert registration.handlers == ()


def test_sig_ign_imported_by_name(registrations):
    registration = only(registrations("""
        from signal import SIG_IGN, SIGTERM, signal

        signal(SIGTERM, SIG_IGN)
    """))
    assert registration.action == "ignore"
    assert registration.covers_sigterm


def test_handler_restored_from_getsignal(registrations):
    found = registrations("""
        import signal

        def on_term(signum, frame):
            pass

        previous = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGTERM, previous)
    """)
    assert [r.action for r in found] == ["handler", "unknown"]


@pytest.mark.parametrize("spelling", ["job.on_term", "functools.partial(on_term_with, 'x')"])
def test_bound_method_and_partial_handlers(registrations, spelling):
    registration = only(registrations(f"""
        import functools
        import signal

        def on_term_with(reason, signum, frame):
            pass

        class Job:
            def on_term(self, signum, frame):
                pass

        job = Job()
        signal.signal(signal.SIGTERM, {spelling})
    """))
    assert registration.action == "handler"
    (target,) = registration.handlers
    assert target.func_id in {"train:Job.on_term", "train:on_term_with"}
    assert target.bound == 1  # self, or the partial's first argument


def test_method_registered_on_self_inside_the_class(registrations):
    registration = only(registrations("""
        import signal

        class Trainer:
            def __init__(self):
                signal.signal(signal.SIGTERM, self.on_term)

            def on_term(self, signum, frame):
                pass
    """))
    assert registration.func_id == "train:Trainer.__init__"
    assert handler_ids(registration) == {"train:Trainer.on_term"}


def test_signal_call_that_is_not_signal_module(registrations):
    assert registrations("""
        def signal(a, b):
            pass

        signal(15, print)
    """) == []


def test_uncatchable_signals_are_named(registrations):
    registration = only(registrations("""
        import signal

        def on_kill(signum, frame):
            pass

        signal.signal(signal.SIGKILL, on_kill)
    """))
    assert registration.uncatchable == ["SIGKILL"]


def test_handler_that_may_be_a_project_function_or_sig_ign(registrations):
    registration = only(registrations("""
        import os
        import signal

        def on_term(signum, frame):
            pass

        handler = signal.SIG_IGN
        if os.environ.get("SAVE_ON_TERM"):
            handler = on_term
        signal.signal(signal.SIGTERM, handler)
    """))
    assert registration.action == "unknown"
    assert handler_ids(registration) == {"train:on_term"}


def test_comprehension_over_signals(registrations):
    registration = only(registrations("""
        import signal

        def on_stop(signum, frame):
            pass

        [signal.signal(s, on_stop) for s in (signal.SIGTERM, signal.SIGINT)]
    """))
    assert registration.signals == frozenset({15, SIGINT})
