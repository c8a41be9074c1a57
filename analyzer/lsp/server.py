"""`sigcheck lsp`: a language server over stdio that publishes what `sigcheck FOLDER` reports.

Opening, saving or (after a short quiet spell) changing a Python file, Dockerfile or script
analyses the project folder it belongs to (see projects.py) with the open documents read as the
editor holds them, in one worker thread so the server keeps answering meanwhile. A run that a newer
change has made stale publishes nothing; the run after it does. Diagnostics go to every file of the
folder that has findings, and an empty list to open documents and to files that had some before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path, uri_scheme

from sigcheck import __version__
from sigcheck.checking.results import Report
from sigcheck.config.settings import ConfigError
from sigcheck.knowledge import KnowledgeError
from sigcheck.lsp import actions, projects
from sigcheck.lsp.actions import Published
from sigcheck.lsp.convert import Texts, diagnostic, file_error, workspace_edit
from sigcheck.lsp.debounce import Debouncer
from sigcheck.lsp.protocol import AnsweringProtocol
from sigcheck.rules import RULES_BY_CODE

logger = logging.getLogger(__name__)
DEBOUNCE_SECONDS = 0.15  # a burst of keystrokes runs this long after its last; a lone edit, open and save at once


class OpenDocument(NamedTuple):
    """An open document as one run read it: later edits do not change what the run saw."""

    uri: str
    version: int | None
    text: str


@dataclass
class FolderState:
    generation: int = 0  # bumped by every change; a run publishes only if it is still current
    published: dict[str, list[Published]] = field(default_factory=dict)  # uri -> non-empty diagnostics
    versions: dict[str, int | None] = field(default_factory=dict)  # uri -> document version they describe
    config_error: str | None = None  # shown once, not at every keystroke


class SigcheckServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("sigcheck", __version__, protocol_cls=AnsweringProtocol)
        self.folders: dict[Path, FolderState] = {}
        self.owners: dict[Path, Path] = {}  # file -> the project folder whose runs publish for it
        self.analyses: Debouncer[Path] = Debouncer(self._analyse)
        # One worker: runs never overlap, and the message loop stays free for hover and code actions.
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sigcheck-analysis")
        self.stopping = False  # after `shutdown`: timers still pending start no run

    # -- errors: every unreadable message is answered, nothing stops the loop ------------------

    def report_server_error(self, error: Exception, source) -> None:
        if source is JsonRpcException:  # the message loop could not read or dispatch a message
            logger.warning("unreadable message: %s", error)
            self.protocol.reject_unreadable(error)  # type: ignore[attr-defined]
            return
        super().report_server_error(error, source)

    # -- documents and folders -----------------------------------------------------------------

    def workspace_folders(self) -> list[Path]:
        uris = [folder.uri for folder in self.workspace.folders.values()]
        if self.workspace.root_uri:
            uris.append(self.workspace.root_uri)
        return [projects.resolved(to_fs_path(uri)) for uri in uris if uri_scheme(uri) == "file" and to_fs_path(uri)]

    def owner(self, path: Path) -> Path:
        if path not in self.owners:
            self.owners[path] = projects.project_folder(path, self.workspace_folders(), self.folders)
        return self.owners[path]

    def open_documents(self) -> dict[Path, OpenDocument]:
        documents = {}
        for uri, document in list(self.workspace.text_documents.items()):
            if uri_scheme(uri) == "file" and to_fs_path(uri):
                documents[projects.resolved(to_fs_path(uri))] = OpenDocument(uri, document.version, document.source)
        return documents

    def changed(self, uri: str, delay: float) -> None:
        if uri_scheme(uri) != "file" or not to_fs_path(uri):
            return
        path = projects.resolved(to_fs_path(uri))
        if path.name in projects.CONFIG_FILES:
            self.configuration_changed()
            return
        language = getattr(self.workspace.text_documents.get(uri), "language_id", None)
        if projects.is_analysable(path, language) or any(uri in state.published for state in self.folders.values()):
            self.request(self.owner(path), delay)

    def configuration_changed(self) -> None:
        projects.forget_configs()
        self.owners.clear()
        for state in self.folders.values():
            state.config_error = None
        for folder in list(self.folders):
            self.request(folder, 0)

    def request(self, folder: Path, delay: float) -> None:
        if folder not in self.folders:
            self.folders[folder] = FolderState()
            self.owners.clear()  # a file outside the workspace may belong to the new folder
        self.folders[folder].generation += 1
        self.analyses.schedule(folder, delay)

    # -- one run -------------------------------------------------------------------------------

    async def _analyse(self, folder: Path) -> None:
        if self.stopping:
            return
        state = self.folders[folder]
        generation = state.generation
        documents = self.open_documents()
        overlays = {path: document.text for path, document in documents.items()}
        started = time.perf_counter()
        try:
            report = await asyncio.get_running_loop().run_in_executor(self.worker, projects.check_folder, folder, overlays)
        except (ConfigError, KnowledgeError) as error:
            if state.config_error != str(error):
                state.config_error = str(error)
                self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=f"sigcheck: {error}"))
            return
        except Exception as error:  # a bug in a rule must not take the editor's server down
            logger.exception("analysis of %s failed", folder)
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Error,
                                                           message=f"sigcheck: analysing {folder} failed: {error!r}"))
            return
        logger.info("analysed %s in %.0f ms", folder, (time.perf_counter() - started) * 1000)
        if state.generation != generation:
            return  # stale: a newer change is scheduled and its run will publish
        state.config_error = None
        self.publish(folder, state, report, documents)

    def publish(self, folder: Path, state: FolderState, report: Report, documents: dict[Path, OpenDocument]) -> None:
        uris = {path: document.uri for path, document in documents.items()}
        texts = Texts({path: document.text for path, document in documents.items()},
                      self.workspace.position_encoding or types.PositionEncodingKind.Utf16, uris)
        found: dict[str, list[Published]] = {}
        for d in report.diagnostics:
            if self.owner(texts.path(d.path)) == folder:
                fix = workspace_edit(d.fix, texts) if d.fix else None
                found.setdefault(texts.uri(d.path), []).append(Published(diagnostic(d, texts), d, fix))
        for error in report.errors:
            path = texts.path(error.path)
            if not path.is_dir() and self.owner(path) == folder:  # "no entry points in this folder" is no file's
                found.setdefault(texts.uri(error.path), []).append(Published(file_error(error, texts), None, None))
        open_here = {uri for path, uri in uris.items() if self.owner(path) == folder}
        versions = {document.uri: document.version for document in documents.values()}
        for uri in sorted(set(found) | set(state.published) | open_here):
            items = found.get(uri, [])
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=uri, diagnostics=[item.lsp for item in items], version=versions.get(uri)))
        state.published = found
        state.versions = {uri: versions.get(uri) for uri in found}

    # -- requests ------------------------------------------------------------------------------

    def published_for(self, uri: str) -> list[Published]:
        """The diagnostics shown for `uri`, if they still describe the document's current text."""
        document = self.workspace.text_documents.get(uri)
        for state in self.folders.values():
            if uri in state.published:
                if document is not None and state.versions.get(uri) not in (None, document.version):
                    return []  # edited since: positions and fixes would land in the wrong place
                return state.published[uri]
        return []


def create_server() -> SigcheckServer:
    server = SigcheckServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: SigcheckServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.changed(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: SigcheckServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.changed(params.text_document.uri, DEBOUNCE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: SigcheckServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.changed(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: SigcheckServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.changed(params.text_document.uri, DEBOUNCE_SECONDS)  # unsaved edits are gone: read the file again

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders_changed(ls: SigcheckServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        ls.owners.clear()

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls: SigcheckServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        only = params.context.only
        if only and not any(types.CodeActionKind.QuickFix.value.startswith(kind) for kind in only):
            return []
        uri = params.text_document.uri
        document = ls.workspace.get_text_document(uri)
        path = projects.resolved(to_fs_path(uri) or uri)
        texts = Texts({path: document.source}, ls.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        result, offered = [], set()
        for item in ls.published_for(uri):
            if not _overlaps(item.lsp.range, params.range):
                continue
            fix = actions.fix_action(item)
            if fix is not None:
                result.append(fix)
            key = (item.lsp.code, item.lsp.range.start.line)
            if key not in offered:
                offered.add(key)
                suppress = actions.suppress_action(item, uri, path, document.source, texts)
                if suppress is not None:
                    result.append(suppress)
        return result

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: SigcheckServer, params: types.HoverParams) -> types.Hover | None:
        document = ls.workspace.get_text_document(params.text_document.uri)
        lines = document.lines
        line = lines[params.position.line].rstrip("\r\n") if params.position.line < len(lines) else ""
        texts = Texts(encoding=ls.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        return actions.hover(ls.published_for(params.text_document.uri), line, params.position, texts, RULES_BY_CODE)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: SigcheckServer, params: None) -> None:
        ls.stopping = True
        ls.worker.shutdown(wait=False, cancel_futures=True)

    return server


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)
    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def serve() -> None:
    """Run the server on stdin and stdout until the client says `exit` (or closes the pipe)."""
    create_server().start_io()
