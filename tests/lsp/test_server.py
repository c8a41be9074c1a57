"""`sigcheck lsp` end to end: the real server process driven by pytest-lsp's client over stdio."""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import textwrap
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from sigcheck.report.docs import rule_url

pytestmark = pytest.mark.asyncio

TRAIN = """
import signal

import torch

from helpers import on_sigterm, state


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    for epoch in range(10):
        loss = state["model"](torch.randn(4))
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    main()
"""

HELPERS_SAVING = """
import sys

import torch

state = {}


def on_sigterm(signum, frame):
    torch.save(state, "checkpoint.pt")
    sys.exit(0)
"""

HELPERS_NOT_SAVING = HELPERS_SAVING.replace('torch.save(state, "checkpoint.pt")', 'print("bye")')

# OPT001 is fixable; the emoji before the literal is one code point but two UTF-16 units.
FIXABLE = """
import torch

for epoch in range(3):
    name = "\U0001f642"; torch.save({}, "/opt/ml/model/model.pt")
"""


def _client() -> LanguageClient:
    """pytest-lsp's client, also keeping every publishDiagnostics in order (its own dict keeps the last)."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = []  # type: ignore[attr-defined]

    def record(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)  # type: ignore[attr-defined]

    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: record})
    return client


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    tmp_path = tmp_path.resolve()  # the server names files by their resolved paths
    files = {
        "pyproject.toml": '[tool.sigcheck]\nseverity = { SIG002 = "warning" }\n',
        "train.py": TRAIN, "helpers.py": HELPERS_SAVING, "opt.py": FIXABLE,
        "Dockerfile": "FROM python:3.11-slim\nCOPY . /app\nENTRYPOINT python /app/train.py\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return tmp_path


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "sigcheck", "lsp"],
                                              client_factory=_client))
async def client(lsp_client: LanguageClient, workspace: Path):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=workspace.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="workspace")],
    ))
    yield
    await lsp_client.shutdown_session()


async def published(client: LanguageClient, uri: str, after: int, timeout: float = 15.0) -> types.PublishDiagnosticsParams:
    """The first publishDiagnostics for `uri` among those received after the first `after`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for params in client.published[after:]:  # type: ignore[attr-defined]
            if params.uri == uri:
                return params
        await asyncio.sleep(0.01)
    raise AssertionError(f"no diagnostics published for {uri} within {timeout} s")


def open_document(client: LanguageClient, path: Path, version: int = 1) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=path.as_uri(), language_id="python", version=version, text=path.read_text(encoding="utf-8"))))


def replace_all(client: LanguageClient, path: Path, text: str, version: int) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


async def test_open_publishes_diagnostics_with_code_link_severity_and_trace(client: LanguageClient, workspace: Path):
    helpers, train = workspace / "helpers.py", workspace / "train.py"
    (helpers).write_text(textwrap.dedent(HELPERS_NOT_SAVING).lstrip("\n"), encoding="utf-8")
    open_document(client, train)
    result = await published(client, train.as_uri(), 0)

    assert result.version == 1
    [d] = result.diagnostics
    assert (d.code, d.source) == ("SIG002", "sigcheck")
    assert d.code_description.href == rule_url("SIG002")
    assert d.severity == types.DiagnosticSeverity.Warning  # from the workspace's [tool.sigcheck]
    assert d.range.start == types.Position(line=8, character=4)
    assert "on_sigterm" in d.message
    notes = [(info.location.uri, info.location.range.start.line, info.message) for info in d.related_information]
    assert notes[0] == (train.as_uri(), 16, "calls main")  # the way from the entry point to the registration
    assert notes[1] == (train.as_uri(), 8, "SIGTERM handler registered here")
    assert notes[2][:2] == (helpers.as_uri(), 7)
    assert notes[-1][0] == helpers.as_uri() and "SystemExit" in notes[-1][2]

    # Files with findings are published whether open or not: here the Dockerfile that runs train.py.
    dockerfile = await published(client, (workspace / "Dockerfile").as_uri(), 0)
    assert [(d.code, d.range.start.line) for d in dockerfile.diagnostics] == [("DKR001", 2)]


async def test_change_to_a_helper_republishes_the_entry_point_that_uses_it(client: LanguageClient, workspace: Path):
    helpers, train = workspace / "helpers.py", workspace / "train.py"
    open_document(client, train)
    open_document(client, helpers)
    assert (await published(client, train.as_uri(), 0)).diagnostics == ()

    before = len(client.published)  # type: ignore[attr-defined]
    started = time.perf_counter()
    replace_all(client, helpers, textwrap.dedent(HELPERS_NOT_SAVING).lstrip("\n"), version=2)  # unsaved
    result = await published(client, train.as_uri(), before)
    took = time.perf_counter() - started
    assert [d.code for d in result.diagnostics] == ["SIG002"]
    assert took < 5, f"didChange to publishDiagnostics took {took:.2f} s"
    print(f"didChange -> publishDiagnostics: {took * 1000:.0f} ms (debounce included)")

    before = len(client.published)  # type: ignore[attr-defined]
    replace_all(client, helpers, textwrap.dedent(HELPERS_SAVING).lstrip("\n"), version=3)
    assert (await published(client, train.as_uri(), before)).diagnostics == ()  # cleared again


async def test_typing_is_debounced_into_one_run(client: LanguageClient, workspace: Path):
    helpers, train = workspace / "helpers.py", workspace / "train.py"
    open_document(client, helpers)
    await published(client, helpers.as_uri(), 0)
    before = len(client.published)  # type: ignore[attr-defined]
    text = textwrap.dedent(HELPERS_SAVING).lstrip("\n")
    for version in range(2, 12):  # ten keystrokes, faster than a run
        replace_all(client, helpers, text + "#" * version, version)
        await asyncio.sleep(0)
    await published(client, helpers.as_uri(), before)
    await asyncio.sleep(0.5)
    runs = [p for p in client.published[before:] if p.uri == helpers.as_uri()]  # type: ignore[attr-defined]
    # The first keystroke after a quiet spell is analysed at once (published unless the next one
    # made it stale first); the rest of the burst makes one run, for the last version.
    assert [p.version for p in runs] in ([11], [2, 11])
    assert train.as_uri() not in {p.uri for p in client.published[before:]}  # clean before and after


async def test_save_publishes_and_code_action_applies_the_fix(client: LanguageClient, workspace: Path):
    opt = workspace / "opt.py"
    open_document(client, opt)
    result = await published(client, opt.as_uri(), 0)
    [d] = [d for d in result.diagnostics if d.code == "OPT001"]
    # The literal starts 31 code points into its line: 32 UTF-16 units, as LSP counts by default.
    assert d.range.start == types.Position(line=3, character=32)

    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=opt.as_uri()), range=d.range,
        context=types.CodeActionContext(diagnostics=[d])))
    titles = [a.title for a in actions]
    fix = next(a for a in actions if a.is_preferred)
    assert "SM_MODEL_DIR" in fix.title and "Suppress OPT001 on this line" in titles

    text = _apply(opt.read_text(encoding="utf-8"), fix.edit.changes[opt.as_uri()])
    assert 'os.environ.get("SM_MODEL_DIR", "/opt/ml/model")' in text and text.startswith("import os\n")
    opt.write_text(text, encoding="utf-8")  # as the editor would, then it saves
    before = len(client.published)  # type: ignore[attr-defined]
    replace_all(client, opt, text, version=2)
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=opt.as_uri())))
    result = await published(client, opt.as_uri(), before)
    assert "OPT001" not in [d.code for d in result.diagnostics]

    before = len(client.published)  # type: ignore[attr-defined]
    client.text_document_did_save(types.DidSaveTextDocumentParams(  # a save alone analyses too
        text_document=types.TextDocumentIdentifier(uri=opt.as_uri())))
    assert (await published(client, opt.as_uri(), before)).version == 2


async def test_suppression_action_inserts_the_comment_that_silences_it(client: LanguageClient, workspace: Path):
    opt = workspace / "opt.py"
    open_document(client, opt)
    [d] = [d for d in (await published(client, opt.as_uri(), 0)).diagnostics if d.code == "OPT001"]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=opt.as_uri()), range=d.range,
        context=types.CodeActionContext(diagnostics=[d])))
    suppress = next(a for a in actions if a.title == "Suppress OPT001 on this line")
    text = _apply(opt.read_text(encoding="utf-8"), suppress.edit.changes[opt.as_uri()])
    assert text.splitlines()[3].endswith('"/opt/ml/model/model.pt")  # sigcheck: ignore[OPT001]')

    before = len(client.published)  # type: ignore[attr-defined]
    replace_all(client, opt, text, version=2)
    result = await published(client, opt.as_uri(), before)
    assert "OPT001" not in [d.code for d in result.diagnostics]


async def test_hover_on_a_diagnostic_shows_the_rule_page(client: LanguageClient, workspace: Path):
    opt = workspace / "opt.py"
    open_document(client, opt)
    [d] = [d for d in (await published(client, opt.as_uri(), 0)).diagnostics if d.code == "OPT001"]
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=opt.as_uri()), position=d.range.start))
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert hover.contents.value.startswith("# hardcoded-sagemaker-path (OPT001)")
    assert "## What it does" in hover.contents.value

    nothing = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=opt.as_uri()), position=types.Position(line=0, character=0)))
    assert nothing is None


async def test_malformed_messages_get_error_responses_and_the_server_lives_on(client: LanguageClient, workspace: Path):
    assert (await _raw(client, b'{"jsonrpc": "2.0", "id": 41, "method": "textDocument/hov', None)).code == -32700
    assert (await _raw(client, b"[1, 2, 3]", None)).code == -32600
    assert (await _raw(client, b'{"id": 42, "method": "initialize"}', 42)).code == -32600
    bad_params = b'{"jsonrpc": "2.0", "id": 43, "method": "textDocument/hover", "params": {"textDocument": 7}}'
    assert (await _raw(client, bad_params, 43)).code == -32602
    assert (await _raw(client, b'{"jsonrpc": "2.0", "id": 44, "method": "sigcheck/nothing"}', 44)).code == -32601
    # A malformed notification gets no answer (JSON-RPC forbids one); deep nesting is a parse error.
    await _raw(client, b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"x": 1}}', None, answered=False)
    assert (await _raw(client, b"[" * 100_000 + b"]" * 100_000, None)).code == -32700

    train = workspace / "train.py"
    open_document(client, train)  # still serving
    assert (await published(client, train.as_uri(), 0)).uri == train.as_uri()


async def test_shutdown_then_exit_ends_the_process_cleanly():
    """Covered by every test's teardown (shutdown_session sends shutdown, exit, and waits); here the
    exit status is checked too."""
    client = _client()
    await client.start_io(sys.executable, "-m", "sigcheck", "lsp")
    await client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities()))
    await client.shutdown_async(None)
    client.exit(None)
    assert await asyncio.wait_for(client._server.wait(), 10) == 0
    await client.stop()


async def _raw(client: LanguageClient, body: bytes, msg_id, answered: bool = True, timeout: float = 10.0):
    """Write `body` as one message, bypassing the client's own checks; the error it was answered with."""
    future: concurrent.futures.Future = concurrent.futures.Future()
    client.protocol._request_futures[msg_id] = future
    client.protocol.writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    try:
        await asyncio.wait_for(asyncio.wrap_future(future), 1.0 if not answered else timeout)
    except JsonRpcException as error:
        assert answered, f"a notification was answered: {error}"
        return error
    except asyncio.TimeoutError:
        assert not answered, f"no answer to {body[:80]!r}"
        client.protocol._request_futures.pop(msg_id, None)
        return None
    raise AssertionError(f"{body[:80]!r} got a result, not an error")


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits (UTF-16 positions) the way an editor does, last first."""
    lines = text.splitlines(keepends=True)

    def offset(position: types.Position) -> int:
        line = lines[position.line] if position.line < len(lines) else ""
        units = line.encode("utf-16-le")[: position.character * 2].decode("utf-16-le")
        return sum(len(l) for l in lines[: position.line]) + len(units)

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text
