"""Editor latency: from `didChange` on a 2,000-line entry point to its `publishDiagnostics`, warm.

The script starts `sigcheck lsp` on stdio, opens a generated training script of 2,000 lines in a
fresh project folder, waits for the first diagnostics (cold), then sends N edits one at a time
(each a real code change, the whole text as editors send it) and times each until the server
publishes diagnostics for that version. It also times `libcst.parse_module` on the same text in
this process, and prints the ratio (issue 8's target: ≤ 1.5× the parse). Each edit comes after
the diagnostics of the one before, so after a quiet spell: the server analyses it at once, as it
does a lone edit in an editor (a burst of keystrokes waits for the server's debounce, which this
does not measure).

    python benchmarks/lsp_latency.py                 # median of 20 changes
    python benchmarks/lsp_latency.py --changes 50
    python benchmarks/lsp_latency.py --server "python -c 'from sigcheck.lsp.server import serve; serve()'"

If sigcheck has no `lsp` command yet (and no --server is given), it says so and exits 0. The
client is a minimal JSON-RPC over stdio written with the standard library: the measurement does
not depend on any client library's scheduling.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from measure import machine, python, say

LINES = 2000


def server_command(given: str | None) -> list[str] | None:
    if given:
        return shlex.split(given)
    # `sigcheck lsp --help` alone proves nothing: an unknown command is read as `check lsp`.
    done = subprocess.run([python(), "-m", "sigcheck", "lsp", "--help"], capture_output=True, text=True)
    usage = done.stdout.partition("\n")[0]  # "Usage: python -m sigcheck lsp [OPTIONS]"
    if done.returncode == 0 and usage.startswith("Usage:") and " lsp" in usage:
        return [python(), "-m", "sigcheck", "lsp"]
    return None


def entry_point(lines: int = LINES) -> str:
    """A training script: a SIGTERM handler that blocks (one finding to publish), a stop flag the
    loop checks, and helpers that call each other, to `lines` lines."""
    head = ["import signal", "import sys", "import time", "", "import torch", "", "LEARNING_RATE = 0.001",
            "STOP = False", "", "", "def on_sigterm(signum, frame):", "    global STOP", "    time.sleep(5)",
            "    STOP = True", "", ""]
    tail = ["", "", "def train(model, batches):", "    for epoch in range(100):",
            "        for batch in batches:", "            step_0(model, batch)", "            if STOP:",
            "                torch.save(model.state_dict(), 'model.pt')", "                sys.exit(0)",
            "    torch.save(model.state_dict(), 'model.pt')", "", "", "if __name__ == '__main__':",
            "    signal.signal(signal.SIGTERM, on_sigterm)", "    train(torch.nn.Linear(4, 4), [])", ""]
    body: list[str] = []
    i = 0
    while len(head) + len(body) + len(tail) + 9 <= lines:
        body += [f"def step_{i}(model, batch):", f"    \"\"\"Step {i}: scale, check, hand on.\"\"\"",
                 f"    scale = LEARNING_RATE * {i + 1}", "    total = 0.0", "    for value in batch:",
                 "        total += value * scale", f"    return step_{i + 1}(model, batch) if total > {i} else total",
                 "", ""]
        i += 1
    body += [f"def step_{i}(model, batch):", "    return 0.0"]
    text = head + body + tail
    return "\n".join(text + [""] * (lines - len(text))) + "\n"


class Client:
    """JSON-RPC 2.0 over the server's stdin and stdout, with LSP's Content-Length framing."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        self.messages: queue.Queue[dict] = queue.Queue()
        self.lock = threading.Lock()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:  # headers, up to the blank line
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii", "replace").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length is None:
                continue
            message = json.loads(stream.read(length))
            if "method" in message and "id" in message:  # a request from the server: answer, or it may wait
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            else:
                self.messages.put(message)

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode("utf-8")
        with self.lock:
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.process.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params, timeout: float) -> dict:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.next_id and "method" not in m, timeout)

    def wait(self, wanted, timeout: float) -> dict:
        deadline = time.perf_counter() + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError
            try:
                message = self.messages.get(timeout=remaining)
            except queue.Empty:
                raise TimeoutError from None
            if wanted(message):
                return message

    def diagnostics(self, uri: str, version: int | None, timeout: float) -> dict:
        """The next publishDiagnostics for `uri` that describes `version` (or any, if it names none)."""
        def wanted(m: dict) -> bool:
            params = m.get("params") or {}
            return (m.get("method") == "textDocument/publishDiagnostics" and params.get("uri") == uri
                    and (version is None or params.get("version") in (None, version)))
        return self.wait(wanted, timeout)

    def close(self) -> None:
        try:
            self.request("shutdown", None, 10)
            self.notify("exit", {})
            self.process.wait(timeout=10)
        except (TimeoutError, OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=20, help="edits to time (the median is printed)")
    parser.add_argument("--lines", type=int, default=LINES, help="length of the generated entry point")
    parser.add_argument("--server", help="command that starts the server (default: sigcheck lsp)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for one publication")
    args = parser.parse_args()
    command = server_command(args.server)
    if command is None:
        say("not measured: sigcheck has no `lsp` command yet (`sigcheck lsp --help` runs `check`)")
        return 0
    say(f"machine: {machine()}")
    say(f"server: {shlex.join(command)}")

    with tempfile.TemporaryDirectory(prefix="sigcheck-lsp-") as folder:
        root = Path(folder).resolve()
        (root / "pyproject.toml").touch()
        text = entry_point(args.lines)
        (root / "train.py").write_text(text, encoding="utf-8")
        uri = (root / "train.py").as_uri()
        client = Client(command, root)
        try:
            client.request("initialize", {
                "processId": os.getpid(), "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True},
                                                  "synchronization": {"didSave": True}}}}, args.timeout)
            client.notify("initialized", {})
            started = time.perf_counter()
            client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                    "text": text}})
            first = client.diagnostics(uri, 1, args.timeout)
            cold = time.perf_counter() - started
            latencies = []
            for version in range(2, args.changes + 2):
                changed = text.replace("LEARNING_RATE = 0.001", f"LEARNING_RATE = 0.001 * {version}", 1)
                started = time.perf_counter()
                client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                         "contentChanges": [{"text": changed}]})
                client.diagnostics(uri, version, args.timeout)
                latencies.append(time.perf_counter() - started)
        except TimeoutError:
            say(f"no diagnostics within {args.timeout:.0f} s: the server did not answer")
            return 1
        finally:
            client.close()

    import libcst  # after the server runs: its import is not part of the parse time

    parses = []
    for _ in range(max(args.changes, 5)):
        started = time.perf_counter()
        libcst.parse_module(text)
        parses.append(time.perf_counter() - started)
    latency, parse = statistics.median(latencies), statistics.median(parses)
    say(f"entry point: {args.lines:,} lines, {len(first['params']['diagnostics'])} diagnostic(s) published")
    say(f"first diagnostics after didOpen (cold): {cold:.3f}s")
    say(f"didChange → publishDiagnostics, median of {len(latencies)}: {latency:.3f}s "
        f"(min {min(latencies):.3f}s, max {max(latencies):.3f}s)")
    say(f"libcst.parse_module of the same text, median: {parse:.3f}s")
    say(f"ratio latency / parse: {latency / parse:.2f}×  [≤ 1.5×]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
