"""A hand-written upstream that sends what the SDK would never send: a line that is not JSON,
tools the strict SDK client would reject as a whole, a malformed tool result, and (`untyped`
called with `answer`: `lone-surrogate` or `bad-bytes`) a result whose text is no Unicode text.

Standard library only; run as a script. It answers `initialize`, `tools/list` and `tools/call`.
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


def send(message: dict[str, object]) -> None:
    line = json.dumps(message).encode().replace(BAD_BYTES.encode(), b"\xff\xfe") + b"\n"
    sys.stdout.buffer.write(line)
    sys.stdout.buffer.flush()


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


def main() -> None:
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        if "id" not in request:
            continue  # a notification
        result = answer(request)
        if result is None:
            send({"jsonrpc": "2.0", "id": request["id"],
                  "error": {"code": -32601, "message": "Method not found"}})
        else:
            send({"jsonrpc": "2.0", "id": request["id"], "result": result})


if __name__ == "__main__":
    main()
