"""Debounced runs: one per burst of changes, never two at once, one more for a change during a run."""

from __future__ import annotations

import asyncio

from sigcheck.lsp.debounce import Debouncer


def test_one_run_per_burst_and_one_more_for_a_change_during_a_run():
    runs: list[str] = []

    async def scenario() -> None:
        started, release = asyncio.Event(), asyncio.Event()

        async def job(key: str) -> None:
            runs.append(key)
            started.set()
            await release.wait()

        debouncer = Debouncer(job)
        for _ in range(5):  # keystrokes
            debouncer.schedule("a", 0.01)
        await asyncio.wait_for(started.wait(), 5)
        started.clear()
        debouncer.schedule("a", 0)  # while the first run is still going
        await asyncio.sleep(0.05)
        assert runs == ["a"]  # never two at once
        release.set()
        await asyncio.wait_for(started.wait(), 5)
        assert runs == ["a", "a"]
        for _ in range(100):
            if debouncer.idle():
                break
            await asyncio.sleep(0.01)
        assert debouncer.idle()

    asyncio.run(scenario())


def test_a_failing_run_does_not_stop_later_ones():
    calls: list[int] = []

    async def scenario() -> None:
        async def job(key: str) -> None:
            calls.append(1)
            raise RuntimeError("a bug in a rule")

        debouncer = Debouncer(job)
        debouncer.schedule("a", 0)
        await asyncio.sleep(0.05)
        debouncer.schedule("a", 0)
        await asyncio.sleep(0.05)

    asyncio.run(scenario())
    assert calls == [1, 1]


def test_a_call_after_a_quiet_spell_runs_at_once_and_a_burst_runs_once_more():
    runs: list[float] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()

        async def job(key: str) -> None:
            runs.append(loop.time())
            await asyncio.sleep(0.2)

        debouncer = Debouncer(job)
        first = loop.time()
        debouncer.schedule("a", 10)  # a long delay: only the leading edge can run it soon
        await asyncio.sleep(0.05)
        assert len(runs) == 1 and runs[0] - first < 1
        for _ in range(3):  # a burst during the run: one run more, after it
            debouncer.schedule("a", 0.1)
        await asyncio.sleep(0.1)
        assert len(runs) == 1
        await asyncio.sleep(0.5)
        assert len(runs) == 2

    asyncio.run(scenario())


def test_a_burst_waits_no_longer_than_a_run_takes():
    runs: list[float] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()

        async def job(key: str) -> None:
            runs.append(loop.time())
            await asyncio.sleep(0.05)

        debouncer = Debouncer(job)
        debouncer.schedule("a", 10)
        await asyncio.sleep(0.2)  # the run is over: it took 0.05 s
        debouncer.schedule("a", 10)  # a quiet spell of one run's length: at once
        debouncer.schedule("a", 10)  # in a burst: after 0.05 s, not 10 s
        last = loop.time()
        await asyncio.sleep(0.5)
        assert len(runs) == 3
        assert 0.04 <= runs[2] - last < 0.4

    asyncio.run(scenario())
