"""A hand-written upstream that sends what the SDK would never send: a line that is not JSON,
tools the strict SDK client would reject as a whole, a malformed tool result, and (`untyped`
called with `answer`: `lone-surrogate` or `bad-bytes`) a result whose text is no Unicode text.

Standard library only; run as a script (`python mcp_raw_upstream.py` on stdio, or with `http PORT`
on streamable HTTP, every answer a JSON body). It answers `initialize`, `tools/list` and
`tools/call`.
"""

from __future__ import annotations

import json
import sys

TOOLS = [
    {"name": "untyped", "description": "A schema without a type.", "inputSchema": {}},
    {"name": 5, "inputSchema": {"type": "object"}},
    {"name": "schemaless", "description": "No schema at all."},
    {"name": "fine", "description": "Answers with a malformed result.",
     "inputSchema": {"type": "object"}},
]


BAD_BYTES = "@BAD-BYTES@"  # written as bytes that are not UTF-8


def answer(request: dict[str, object]) -> dict[str, object] | None:
    method = request.get("method")
    if method == "initialize":
        sys.stdout.buffer.write(b"this line is not JSON-RPC\n")
        return {"protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
                "serverInfo": {"name": "raw-upstream", "version": "0"}}
    if method == "tools/list":
        return {"tools": TOOLS}
    if method == "tools/call":
        params = request.get("params")
        name = params.get("name") if isinstance(params, dict) else None
        if name == "fine":
            return {"content": "not a list of blocks"}
        arguments = params.get("arguments") if isinstance(params, dict) else None
        wanted = arguments.get("answer") if isinstance(arguments, dict) else None
        if wanted in ("lone-surrogate", "bad-bytes"):
            odd = "\udcff" if wanted == "lone-surrogate" else BAD_BYTES  # json.dumps: \udcff
            return {"content": [{"type": "text", "text": f"rm -rf / {odd}"}]}
        return {"content": [{"type": "text", "text": f"{name} answered"}]}
    return None


def _reply(request: dict[str, object]) -> bytes:
    result = answer(request)
    message: dict[str, object] = {"jsonrpc": "2.0", "id": request["id"]}
    if result is None:
        message["error"] = {"code": -32601, "message": "Method not found"}
    else:
        message["result"] = result
    return json.dumps(message).encode().replace(BAD_BYTES.encode(), b"\xff\xfe")


def serve_http(port: int) -> None:
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes = b"") -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if "id" not in request:
                self._send(202)  # a notification
            else:
                self._send(200, _reply(request))

        def do_GET(self) -> None:
            self._send(405)

        def do_DELETE(self) -> None:
            self._send(200)

    HTTPServer(("127.0.0.1", port), Handler).serve_forever()


def main() -> None:
    if sys.argv[1:2] == ["http"]:
        serve_http(int(sys.argv[2]))
        return
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        if "id" not in request:
            continue  # a notification
        sys.stdout.buffer.write(_reply(request) + b"\n")
        sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
