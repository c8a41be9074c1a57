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
import io
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
        self.parsed = 0  # files parsed into a summary in this run (the rest came from the cache)
        self.parsed_paths: set[Path] = set()  # which
        self.budget = FILE_BUDGET
        self._pool = None  # a multiprocessing Pool, started when a batch is big enough
        self._done = 0
        self._total = 0

    def run(self, batch: list[Job]) -> list[Result]:
        """Each job's summary or error, in the batch's order. The files the cache has no summary
        for go to the workers first; the cached summaries are built while they parse."""
        if self.spans:
            batch = [replace(job, spans=True) for job in batch]
        results: list[Result | None] = [None] * len(batch)
        keys = [job.cache_key() if self.cache else None for job in batch]
        contents = [job.content() if self.cache else None for job in batch]  # hashed once per file
        kept = {index: found for index in range(len(batch))
                if self.cache and (found := self._kept(keys[index], contents[index])) is not None}
        todo = [index for index in range(len(batch)) if index not in kept]
        self._total += len(batch)
        computing = self._compute([batch[i] for i in todo], reading=bool(kept))  # the workers start now
        damaged = self._build_kept(batch, kept, results)
        for index, computed in zip(todo, computing):
            results[index] = self._taken(keys[index], contents[index], *computed)
        for index, computed in zip(damaged, self._compute([batch[i] for i in damaged])):
            results[index] = self._taken(keys[index], contents[index], *computed)
        # a file that fails to parse is an error, not one of the files analysed the statistics count
        fresh = [index for index in (*todo, *damaged) if isinstance(results[index], ModuleSummary)]
        self.parsed += len(fresh)
        self.parsed_paths.update(batch[index].path for index in fresh)
        return results  # type: ignore[return-value]

    def _build_kept(self, batch: list[Job], kept: dict, results: list) -> list[int]:
        """Build the cached summaries into `results`; return the jobs whose summary was unreadable
        although the content matched, to be parsed after the others."""
        damaged = []
        for index in list(kept):
            found = kept.pop(index)  # its bytes go once it is built
            summary = found if isinstance(found, ModuleSummary) else found.next()
            if isinstance(summary, ModuleSummary) and summary.name == batch[index].name \
                    and summary.path == str(batch[index].path):
                results[index] = summary
                self._advance(1)
            else:
                damaged.append(index)
        return damaged

    def _kept(self, key: str, content: str):
        """The cache's summary of an unchanged file: built (in memory), or its entry, read up to
        the summary (on disk); None when there is none or the file has changed since."""
        if isinstance(self.cache, Cache):
            stored = self.cache.open("summary", key)
            return stored if stored is not None and stored.next() == content else None
        found = self.cache.get("summary", key)
        if isinstance(found, tuple) and len(found) == 2 and found[0] == content and isinstance(found[1], ModuleSummary):
            return found[1]
        return None

    def _taken(self, key: str | None, content: str | None, result, entry: bytes | None) -> Result:
        """A computed result, stored in the cache under `key` as the worker pickled it, if it did."""
        if isinstance(result, tuple):
            return LoadError(*result[1:])
        if isinstance(self.cache, Cache):
            self.cache.put_pickled("summary", key, entry or entry_bytes(content, result))
        elif self.cache:
            self.cache.put("summary", key, (content, result))
        return result

    def _compute(self, jobs: list[Job], reading: bool = False):
        """Each job's result, and its cache entry where a worker pickled one, in the batch's
        order: open documents here, the others as `_parsed`. The workers start at the call, not
        when the first result is asked for. `reading`: this process has cached summaries to
        build meanwhile."""
        here = {index for index, job in enumerate(jobs) if job.path in self.documents}
        elsewhere = self._parsed([job for index, job in enumerate(jobs) if index not in here], reading)
        return self._merged(jobs, here, elsewhere)

    def _merged(self, jobs: list[Job], here: set[int], elsewhere):
        for index, job in enumerate(jobs):
            if index in here:
                yield summarise(job, self.parser), None
                self._advance(1)
            else:
                yield next(elsewhere)

    def _parsed(self, jobs: list[Job], reading: bool = False):
        if not jobs:
            return iter(())
        if not self.isolated and (self.jobs == 1 or len(jobs) < _IN_PROCESS):
            return self._parsed_here(jobs)
        # libcst is imported here, once for every worker, unless each worker has a file or two to
        # parse while this process reads: then each imports it, beside the reading
        pool = self._workers(preload=len(jobs) > self.jobs or not reading)
        return self._collected(jobs, pool.imap(_summarised_entry, jobs, chunksize=1))  # in order, one file per task

    def _parsed_here(self, jobs: list[Job]):
        for job in jobs:
            yield summarise(job, self.parser), None
            self._advance(1)

    def _collected(self, jobs: list[Job], results):
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
            yield (summary_of(result), result) if isinstance(result, bytes) else (result, None)
            self._advance(1)

    def _workers(self, preload: bool = True):
        """The pool. With `preload`, libcst is imported here first and every forked worker has it."""
        if self._pool is None:
            if preload:
                import sigcheck.loading.parsing  # noqa: F401
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
    """In a worker: the summary's cache entry, or the error. It is sent as it is and the cache
    stores it as it came: pickling a summary costs a tenth of parsing it, and it was done twice,
    once to send it and once to store it."""
    result = summarise(job)
    if isinstance(result, tuple):
        return result
    return entry_bytes(job.content(), result)


def entry_bytes(content: str, summary: ModuleSummary) -> bytes:
    """A summary's cache entry: the file's content hash, then the summary, as two pickles, so
    that a reader compares the first before it builds the second (Cache.open)."""
    return pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL) + pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL)


def summary_of(entry: bytes) -> ModuleSummary:
    """The summary in an entry a worker of this run made."""
    stream = io.BytesIO(entry)
    pickle.load(stream)
    return pickle.load(stream)


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
