"""The hook's daemon path in one module, importing nothing beyond the standard library's
built-in parts, `approvald.signing` (the proofs) and `approvald.userdirs` (where the platform
decides the directories).

An agent starts the hook on every tool call, and each module imported shows in that start.
This module reads the payload, signs it, sends it to the daemon's `/v1/hook/AGENT` and prints
the daemon's rendered answer when that answer is exactly one the full path would accept: a 200
with a declared length, proven by the daemon (`X-Approvald-Server` binding this request's
nonce, the status, the exit code and the body), whose text the agent's renderer could have
printed. Anything else (no daemon, no token, a late, unusual, unproven or refused answer, an
agent it has no rule for, a config.toml to read) hands what it has to
`approvald.hook.runner`, which decides exactly as it always did. The request is never sent
twice: what was received (or why nothing was) travels with the handover.

What this module knows that others know too is held in agreement by tests
(tests/hook/test_fast.py): where the daemon listens (`approvald.wire.endpoint`), the proofs
(`approvald.wire.protocol`), the default deadline (`approvald.settings`), and what each agent's
renderer prints (`Agent.is_reply`): this path accepts a subset of what the full one accepts.
"""

import _socket
import os
import sys
from time import monotonic

from approvald.signing import Signer, hex_digest, new_nonce, same

MAX_PAYLOAD = 20 * 1024 * 1024
MAX_ANSWER = 64 * 1024 * 1024  # transport.MAX_RESPONSE: past it, no daemon (the local check)
DEFAULT_DEADLINE_S = 325.0  # settings.hook_deadline_s(settings.HOOK_TIMEOUT_S)
LOCAL_RESERVE_S = 5.0  # runner.LOCAL_RESERVE_S: kept for the local check
TCP_PREFIX = "tcp://"
# agent -> (what its rendered answer starts with (one string, or a tuple of them), what it must
# also hold, empty output allowed)
REPLIES: "dict[str, tuple[str | tuple[str, ...], str, bool]]" = {
    "claude-code": ('{"hookSpecificOutput": {', "", True),
    "codex": ('{"hookSpecificOutput": {', '"permissionDecision": "deny"', True),
    "gemini": ('{"decision": "deny"', "", True),
    "cursor": ('{"permission": ', "", False),
    "copilot": ('{"permissionDecision": ', "", True),
    "opencode": (('{"decision": "allow", ', '{"decision": "deny", '), "", False),
}


class Handover(Exception):
    """The fast path stops here; the full one decides (`answer`: what the daemon sent, or
    None when nothing was sent or nothing came back)."""

    def __init__(self, why: str, answer: "bytes | None" = None):
        super().__init__(why)
        self.answer = answer


class NoDaemon(Handover):
    """No daemon can answer in this run: nothing listens where it would (the connection was
    refused, or there is no socket file), or there is no client token to prove one. The full
    path decides locally without dialing, with this why (the words it would have found)."""


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def _dirs() -> "tuple[str, str, str]":
    """(runtime, state, config) directories, as approvald.paths has them."""
    home = _env("APPROVALD_HOME")
    if home:
        root = os.path.realpath(os.path.expanduser(home))
        return (os.path.join(root, "run"), os.path.join(root, "state"), root)
    from approvald.userdirs import platform_dirs

    dirs = platform_dirs()
    return dirs["runtime"], dirs["state"], dirs["config"]


def endpoint(runtime: str) -> str:
    """approvald.wire.endpoint.daemon_endpoint(), from the runtime directory."""
    override = _env("APPROVALD_SOCKET")
    if override:
        return override
    transport = _env("APPROVALD_TRANSPORT").lower()
    if transport not in ("tcp", "unix"):
        transport = "tcp" if sys.platform == "win32" else "unix"
    if transport == "unix":
        return os.path.join(runtime, "approvald.sock")
    try:
        with open(os.path.join(runtime, "endpoint"), encoding="utf-8") as fh:
            return fh.read().strip()
    except OSError:
        return ""


def _connect(where: str, timeout: float) -> _socket.socket:
    if where.startswith(TCP_PREFIX):
        host, _, port = where[len(TCP_PREFIX):].rpartition(":")
        if not port.isdigit() or int(port) == 0:
            raise Handover(f"no daemon endpoint has been written ({where})")
        family, address = _socket.AF_INET, (host or "127.0.0.1", int(port))
    else:
        family, address = _socket.AF_UNIX, where  # type: ignore[assignment]
    sock = _socket.socket(family, _socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(address)
    except OSError as exc:
        sock.close()
        # transport.connect's words for it, which the local check records as why it ran
        why = f"no daemon at {where} ({exc.strerror or exc})"
        if isinstance(exc, (ConnectionRefusedError, FileNotFoundError)):
            raise NoDaemon(why) from None
        raise Handover(why) from None
    return sock


def exchange(sock: _socket.socket, request: bytes, deadline: float, where: str) -> bytes:
    """Send `request` on `sock`, read the answer to its end; Handover past `deadline`, on a
    broken connection or past MAX_ANSWER (the request may have gone: the full path must not
    send it again)."""
    chunks: list[bytes] = []
    size = 0
    try:
        sock.sendall(request)
        while True:
            left = deadline - monotonic()
            if left <= 0:
                raise TimeoutError
            sock.settimeout(left)
            data = sock.recv(65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)
            size += len(data)
            if size > MAX_ANSWER:
                raise Handover("daemon answer too large")
    except TimeoutError:
        raise Handover(f"daemon at {where} did not answer in time") from None
    except OSError as exc:
        raise Handover(f"connection to the daemon broke ({exc})") from None
    finally:
        sock.close()


def accepted(answer: bytes, signer: Signer, nonce: str,
             agent: str) -> "tuple[bytes, int] | None":
    """(what to print, exit code) when `answer` is a proven 200 this agent's renderer could
    have printed, with a declared length; None for anything else (the full path judges it)."""
    head, sep, body = answer.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    if not sep or not (lines[0] == b"HTTP/1.1 200" or lines[0].startswith(b"HTTP/1.1 200 ")):
        return None
    headers = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon:
            return None
        headers[name.strip().lower()] = value.strip()
    length = headers.get(b"content-length", b"")
    exit_code = headers.get(b"x-approvald-exit", b"")
    if b"transfer-encoding" in headers or not length.isdigit() or exit_code not in (b"0", b"2"):
        return None
    if len(body) < int(length):
        return None
    body = body[:int(length)]
    expected = signer.sign(f"server:{nonce}:200:{exit_code.decode()}:{hex_digest(body)}")
    if not same(headers.get(b"x-approvald-server", b""), expected.encode()):
        return None
    try:
        text = body.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    if not renderable(agent, text):
        return None
    return (text.encode("utf-8") + b"\n" if text else b""), int(exit_code)


def renderable(agent: str, text: str) -> bool:
    """Whether `text` is one of the answers `agent`'s renderer prints (REPLIES; never more
    than its `is_reply` admits)."""
    prefix, inside, empty_ok = REPLIES[agent]
    return (empty_ok and not text) or (text.startswith(prefix) and inside in text)


def deadline_s(agent: str, config_dir: str) -> float:
    path = os.path.join(config_dir, "config.toml")
    if not os.path.exists(path):
        return DEFAULT_DEADLINE_S
    from approvald.settings import safe_load_settings

    return safe_load_settings(path).hook_deadline_s(agent)


def run(agent: str) -> int:
    """The hook for `agent`: its exit code, the answer printed (or handed over)."""
    started = monotonic()
    sent = None  # (token, nonce, endpoint) once the request may have gone
    try:
        raw = sys.stdin.buffer.read(MAX_PAYLOAD + 1)
    except Exception as exc:
        return _handover(agent, started, None, exc, sent)
    try:
        if agent not in REPLIES:
            raise Handover(f"no fast path for {agent!r}")
        if len(raw) > MAX_PAYLOAD or raw.lstrip()[:1] != b"{":
            raise Handover("input the full path words")
        runtime, state, config = _dirs()
        deadline = started + deadline_s(agent, config)
        where = endpoint(runtime)
        if not where:
            raise Handover("no daemon endpoint has been written")
        try:
            with open(os.path.join(state, "client.token"), encoding="utf-8") as fh:
                token = fh.read().strip()
        except OSError:
            token = ""
        if not token:
            if where.startswith(TCP_PREFIX):  # the full path checks the port first
                raise Handover("no client token")
            # the full path (transport.request, proof required) would not dial either
            raise NoDaemon(f"no client token for the daemon at {where}, so nothing it "
                           "answers can be proven")
        signer = Signer(token)
        nonce = new_nonce()
        target = f"/v1/hook/{agent}"
        proof = signer.sign(f"client:{nonce}:POST {target}:{hex_digest(raw)}")
        request = (f"POST {target} HTTP/1.1\r\nHost: approvald\r\nConnection: close\r\n"
                   f"Accept: application/json\r\nContent-Length: {len(raw)}\r\n"
                   "Content-Type: application/json\r\n"
                   f"X-Approvald-Client: {nonce}.{proof}\r\n\r\n").encode("latin-1") + raw
        reserve = min(LOCAL_RESERVE_S, max(0.0, deadline - monotonic()) * 0.25)
        sock = _connect(where, max(0.001, deadline - reserve - monotonic()))
        sent = (token, nonce, where)
        answer = exchange(sock, request, deadline - reserve, where)
        done = accepted(answer, signer, nonce, agent)
        if done is None:
            raise Handover("an answer for the full path", answer)
    except Exception as stop:  # Handover, or a surprise: the full path decides either way
        return _handover(agent, started, raw, stop, sent)
    out, code = done
    if out:
        try:
            sys.stdout.buffer.write(out)
            sys.stdout.buffer.flush()
        except Exception:
            sys.stderr.write("approvald: the hook could not answer, so this is blocked\n")
            return 2
    return code


def _handover(agent: str, started: float, raw: "bytes | None", stop: BaseException,
              sent: "tuple[str, str, str] | None") -> int:
    """The full path takes over: with the request not sent (`sent` None) it decides from the
    start; else it judges what came back (`stop.answer`; None: nothing did)."""
    # No cyclic garbage collection from here on: this process answers once and ends, reference
    # counting frees what it drops, and the collector's passes over the ~14,000 objects the
    # policy engine's modules make cost the local check about 2.5 ms (its forked child inherits
    # this).
    import gc

    gc.disable()
    from approvald.hook.runner import resume

    answer = stop.answer if isinstance(stop, Handover) else None
    return resume(agent, started, raw, str(stop), sent, answer,
                  no_daemon=isinstance(stop, NoDaemon) and sent is None)
