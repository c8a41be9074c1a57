"""Module summaries for a batch of files: from the cache when the text is unchanged, else parsed
and summarised in worker processes. The command line always parses in workers; so does the
language server, except an editor's open documents, which it parses by parts in its own process.
A library caller parses a few files, or all with one job, in its own process (no budget).

Parsing is most of a cold run and each file is independent, so it is what runs in parallel; the
whole-program part reads the summaries that come back. Results do not depend on the number of
jobs: the batch order is fixed before anything runs, and results are taken back in that order.
A worker that gives no summary for a file within FILE_BUDGET seconds (a parser that hangs, or one
that crashed and lost the file) is stopped, the file becomes a located error, and the others go on.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Union

from sigcheck.loading.cache import Cache, MemoryCache, code_fingerprint, key_of
from sigcheck.loading.sources import LoadError, SourceFile
from sigcheck.model.ir import ModuleSummary

if TYPE_CHECKING:
    from sigcheck.loading.segments import IncrementalParser

_IN_PROCESS = 4  # below this many files to parse, a pool costs more than it saves
FILE_BUDGET = 120.0  # seconds a worker may spend on one file (a 200,000-line module takes ~20 s)
Result = Union[ModuleSummary, LoadError]


@dataclass(frozen=True)
class Job:
    path: Path
    display: str
    name: str
    is_package: bool
    text: str
    spans: bool = False  # work out the spans now, while the tree is alive (see build_summary)

    def cache_key(self) -> str:
        """One entry per file, not per content: an edit replaces the file's entry, so the cache
        holds one summary per file however often files change. The content is checked on reading."""
        return key_of(code_fingerprint(), self.name, str(self.is_package), self.display, str(self.path))

    def content(self) -> str:
        return key_of(self.text)


def summarise(job: Job, parser: "IncrementalParser | None" = None) -> ModuleSummary | tuple:
    """Parse and summarise one file (in a worker: an error comes back as a plain tuple). With
    `parser` (an editor's documents, spans wanted), the parts of the text unchanged since its
    last parse are taken over."""
    from sigcheck.loading.parsing import parse_python, too_deep
    from sigcheck.model.builder import build_summary

    source = SourceFile(job.path, job.display, job.text)
    try:
        try:
            if parser is not None and job.spans:
                summary = _by_parts(parser, source, job)
                if summary is not None:
                    return summary
            tree = parse_python(source)
            return build_summary(tree, job.name, str(job.path), job.display, job.is_package, job.spans)
        except RecursionError:
            raise too_deep(source, "cannot analyse") from None
    except LoadError as error:
        return ("error", error.display, error.message, error.line, error.column)


def _by_parts(parser: "IncrementalParser", source: SourceFile, job: Job) -> ModuleSummary | None:
    from sigcheck.loading.segments import NotInSegments
    from sigcheck.model.builder import build_summary

    parsed = parser.parse(source)
    if parsed is None:
        return None
    try:
        return build_summary(parsed.module, job.name, str(job.path), job.display, job.is_package, True, parsed.spans)
    except NotInSegments:
        return None


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class Summariser:
    def __init__(self, jobs: int = 1, cache: Cache | MemoryCache | None = None,
                 progress: Callable[[int, int], None] | None = None, spans: bool = False,
                 parser: "IncrementalParser | None" = None, isolated: bool = False,
                 documents: frozenset[Path] = frozenset(), start_method: str | None = None) -> None:
        """`spans`: work them out with each summary (an editor's few files, which are reported
        in), not later for the modules a report names (a run over a whole tree). `parser`: keeps
        the documents parsed in this process by parts, for the next run (an editor's server).
        `isolated`: parse in worker processes even with one job or a few files, so that every
        file has its time budget (the command line); else those are parsed in this process.
        `documents` (resolved paths): an editor's open files, parsed here by `parser` whatever
        `isolated` says; the rest of its workspace goes to workers, each file within its budget.
        `start_method`: how workers start (see _context)."""
        self.jobs = max(1, jobs)
        self.isolated = isolated
        self.documents = documents if parser is not None else frozenset()
        self.start_method = start_method
        self.spans = spans
        self.parser = parser
        self.cache = cache
        self.progress = progress
        self.parsed = 0  # files parsed in this run (the rest came from the cache)
        self.budget = FILE_BUDGET
        self._pool = None  # a multiprocessing Pool, started when a batch is big enough
        self._done = 0
        self._total = 0

    def run(self, batch: list[Job]) -> list[Result]:
        if self.spans:
            batch = [replace(job, spans=True) for job in batch]
        results: list[Result | None] = [None] * len(batch)
        keys = [job.cache_key() for job in batch] if self.cache else []
        contents = [job.content() for job in batch] if self.cache else []  # hashed once per file
        todo = []
        for index, job in enumerate(batch):
            found = self.cache.get("summary", keys[index]) if self.cache else None
            if isinstance(found, tuple) and len(found) == 2 and found[0] == contents[index] \
                    and isinstance(found[1], ModuleSummary) and found[1].name == job.name \
                    and found[1].path == str(job.path):
                results[index] = found[1]
            else:
                todo.append(index)
        self._total += len(batch)
        self._advance(len(batch) - len(todo))
        for index, (result, packed) in zip(todo, self._compute([batch[i] for i in todo])):
            if isinstance(result, tuple):
                results[index] = LoadError(*result[1:])
            else:
                results[index] = result
                if isinstance(self.cache, Cache) and packed is not None:
                    self.cache.put_pickled("summary", keys[index], packed)  # as the worker pickled it
                elif self.cache:
                    self.cache.put("summary", keys[index], (contents[index], result))
        self.parsed += len(todo)
        return results  # type: ignore[return-value]

    def _compute(self, jobs: list[Job]):
        """Each job's result, and the pickle of its cache entry where a worker made one, in the
        batch's order: open documents here, the others as `_parsed`."""
        here = {index for index, job in enumerate(jobs) if job.path in self.documents}
        elsewhere = self._parsed([job for index, job in enumerate(jobs) if index not in here])
        for index, job in enumerate(jobs):
            if index in here:
                yield summarise(job, self.parser), None
                self._advance(1)
            else:
                yield next(elsewhere)

    def _parsed(self, jobs: list[Job]):
        if not jobs:
            return
        if not self.isolated and (self.jobs == 1 or len(jobs) < _IN_PROCESS):
            for job in jobs:
                yield summarise(job, self.parser), None
                self._advance(1)
            return
        results = self._workers().imap(_summarised_entry, jobs, chunksize=1)  # in order, one file per task
        for index, job in enumerate(jobs):
            try:
                result = results.next(timeout=self.budget)
            except multiprocessing.TimeoutError:  # the parser hangs, or a crash lost the task
                self.close()
                yield ("error", job.display, f"skipped: no summary within {self.budget:g} s (the parser hung or "
                       "crashed on this file)", 1, 1), None
                self._advance(1)
                yield from self._parsed(jobs[index + 1:])
                return
            yield (pickle.loads(result)[1], result) if isinstance(result, bytes) else (result, None)
            self._advance(1)

    def _workers(self):
        if self._pool is None:
            import sigcheck.loading.parsing  # noqa: F401  libcst, imported once here for every worker
            import sigcheck.model.builder  # noqa: F401

            self._pool = _context(self.start_method).Pool(self.jobs, initializer=_worker_started)  # kept for later batches
        return self._pool

    def _advance(self, count: int) -> None:
        self._done += count
        if self.progress is not None and count:
            self.progress(self._done, self._total)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()  # nothing is pending once results are taken; a hung worker must go
            self._pool.join()
            self._pool = None


def _summarised_entry(job: Job) -> bytes | tuple:
    """In a worker: the pickle of the summary's cache entry, or the error. It is sent as it is
    and the cache stores it as it came: pickling a summary costs a tenth of parsing it, and it
    was done twice, once to send it and once to store it."""
    result = summarise(job)
    if isinstance(result, tuple):
        return result
    return pickle.dumps((job.content(), result), protocol=pickle.HIGHEST_PROTOCOL)


def _worker_started() -> None:
    """A forked worker shares the parent's objects: leave them out of its collections (which
    would also copy their pages), and collect its own garbage even if the parent paused that.
    A tree has no cycles and goes when its summary is built; the few cycles left are collected
    at a rarer threshold than the default, whose passes over a growing tree cost ~6% of a parse."""
    gc.freeze()
    gc.set_threshold(50_000, 10, 10)
    gc.enable()


def _context(method: str | None = None):
    """fork where there is one: the workers start with sigcheck already imported. A process with
    threads (the language server analyses in one, and writes its protocol to stdout) asks for
    forkserver: its workers fork from a clean process that holds no lock and no unflushed output."""
    methods = multiprocessing.get_all_start_methods()
    if method == "forkserver" and method in methods:
        context = multiprocessing.get_context(method)
        context.set_forkserver_preload(["sigcheck.loading.summaries", "sigcheck.loading.parsing", "sigcheck.model.builder"])
        return context
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")
