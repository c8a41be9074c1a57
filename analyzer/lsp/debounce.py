"""Run one job per key for each burst of calls, never two at once for a key, and never miss the last call.

Typing sends a didChange per keystroke; analysing each would queue work the next keystroke makes
stale. A call after a quiet spell (`delay` since the key's last call) runs the job at once: a
single edit is answered without waiting. A call within a burst restarts the key's timer, and the
job runs when it fires; a call that comes in while the job is running makes it run once more
afterwards. The wait is `delay` at most, and no longer than the key's last run took: holding
keystrokes back saves at most one run, so waiting longer than a run costs only latency.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Generic, Hashable, TypeVar

logger = logging.getLogger(__name__)
K = TypeVar("K", bound=Hashable)


class Debouncer(Generic[K]):
    def __init__(self, job: Callable[[K], Awaitable[None]]) -> None:
        self.job = job
        self._timers: dict[K, asyncio.TimerHandle] = {}
        self._running: set[K] = set()
        self._again: set[K] = set()
        self._tasks: set[asyncio.Task] = set()  # held so the loop does not drop a running job
        self._last_call: dict[K, float] = {}
        self._cost: dict[K, float] = {}  # how long the key's last run took

    def schedule(self, key: K, delay: float) -> None:
        """Call from the event loop's thread (an LSP notification handler)."""
        loop = asyncio.get_running_loop()
        now, last = loop.time(), self._last_call.get(key)
        wait = min(delay, self._cost.get(key, delay))
        self._last_call[key] = now
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        elif key not in self._running and (last is None or now - last >= wait):
            self._start(key)  # the first call after a quiet spell
            return
        self._timers[key] = loop.call_later(wait, self._start, key)

    def _start(self, key: K) -> None:
        self._timers.pop(key, None)
        if key in self._running:
            self._again.add(key)
            return
        self._running.add(key)
        task = asyncio.get_running_loop().create_task(self._run(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, key: K) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            await self.job(key)
            self._cost[key] = loop.time() - started
        except Exception:  # a failed run must not stop later ones
            logger.exception("job for %s failed", key)
        finally:
            self._running.discard(key)
            if key in self._again:
                self._again.discard(key)
                self._start(key)

    def idle(self) -> bool:
        return not (self._timers or self._running)
