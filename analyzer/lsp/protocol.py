"""JSON-RPC that answers every bad message instead of dropping it, and never dies on one.

pygls logs a message it cannot read and moves on, so a client waiting for the answer to a
malformed request would wait forever. JSON-RPC 2.0 says what to answer: -32700 for a body that is
not JSON, -32600 for JSON that is not a request, -32602 for a known method's malformed params, each
with the request's id when it can be read and `null` when not. Notifications get no answer (JSON-RPC
forbids one), only a log line. After `shutdown`, requests other than `exit` get -32600 (LSP).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcParseError
from pygls.protocol import LanguageServerProtocol

logger = logging.getLogger(__name__)
INVALID_PARAMS, INVALID_REQUEST = -32602, -32600


@dataclass(frozen=True)
class Rejected:
    """A message that parsed as JSON but is not a well-formed request or notification."""

    msg_id: int | str | None
    is_request: bool
    code: int
    message: str


def _readable_id(value: Any) -> int | str | None:
    return value if isinstance(value, (int, str)) and not isinstance(value, bool) else None


class AnsweringProtocol(LanguageServerProtocol):
    def structure_message(self, data: Any):
        # json.loads calls this for every object, innermost first; only a whole message has "jsonrpc".
        if isinstance(data, dict) and "jsonrpc" in data and "method" in data and "params" not in data:
            data = {**data, "params": None}  # JSON-RPC lets a request omit params; pygls' types want the key
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            method = data.get("method")
            known = isinstance(method, str) and self.get_message_type(method) is not None
            cause = f": {error.__cause__}" if error.__cause__ else ""
            reason = f"Invalid params for {method}{cause}" if known else f"Invalid request{cause}"
            return Rejected(_readable_id(data.get("id")), "id" in data and "method" in data,
                            INVALID_PARAMS if known else INVALID_REQUEST, reason.splitlines()[0][:500])

    def handle_message(self, message: Any):
        if isinstance(message, Rejected):
            if message.is_request:
                self.send_error(message.msg_id, message.code, message.message)
            else:
                logger.warning("ignored a malformed notification or response: %s", message.message)
            return
        if getattr(message, "jsonrpc", None) != "2.0":  # a list, a number, or an object without "jsonrpc"
            msg_id = _readable_id(message.get("id") if isinstance(message, dict) else getattr(message, "id", None))
            self.send_error(msg_id, INVALID_REQUEST, "Invalid request: not a JSON-RPC 2.0 message object")
            return
        if self._shutdown and hasattr(message, "method") and hasattr(message, "id") and message.method != "exit":
            self.send_error(message.id, INVALID_REQUEST, f"{message.method} after shutdown")
            return
        super().handle_message(message)

    def send_error(self, msg_id: int | str | None, code: int, message: str) -> None:
        # Written out by hand: lsprotocol's converter drops a None id, and JSON-RPC wants `"id": null`.
        self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})

    def reject_unreadable(self, error: Exception) -> None:
        """The message loop could not read or dispatch a message: answer with no id."""
        if isinstance(error, (ValueError, RecursionError)):  # JSONDecodeError, UnicodeDecodeError, nesting
            self.send_error(None, JsonRpcParseError.CODE, f"Parse error: {error}"[:500])
        else:
            self.send_error(None, JsonRpcInternalError.CODE, f"Internal error: {error}"[:500])

