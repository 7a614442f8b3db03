"""The daemon's credential endpoints: secret metadata, leases, and lease resolution for `exec`.

WIRING (for the lead; this module changes nothing outside itself):
- in `cli/daemon_cmd.py`: `run_daemon(..., extra_routes=leases.build_routes())` (with no ctx the
  routes use `request.app.state.ctx`, which `create_app` sets), or in `daemon/server.py`
  `_serve`: `create_app(ctx, [*extra_routes, *leases.build_routes(ctx)])`;
- in `daemon/server.py`, `_sweep`: also call `leases.sweep_expired_leases(ctx)` each round (on
  the loop), so every lease that runs out gets its `lease.expired` audit record and event even
  when nobody asks for it. Without it, expiry is still enforced at once (every resolution
  checks it) and recorded lazily by the next lease request.

Every endpoint here is an operator endpoint (Authorization: Bearer <state/operator.token>):
- `GET  /v1/secrets` -> {"secrets": [meta + "active_leases"]}
- `POST /v1/secrets/{name}/meta` {"description"?} -> {"secret": meta, "created": bool}
  (the CLI stores the value in the keyring itself and then reports it here)
- `DELETE /v1/secrets/{name}/meta` -> {"removed": bool, "revoked": [lease ids]}
- `POST /v1/leases` {"name", "ttl_s", "session_id"?, "for_pattern"?, "single_use"?,
  "requested_by"?} -> 201 Lease
- `GET  /v1/leases?status=active|all` -> {"leases": [Lease...]} newest first
- `GET  /v1/leases/{lease_id}` -> Lease
- `POST /v1/leases/{lease_id}/revoke` {"by"?} -> Lease (404 unknown, 409 not active)
- `POST /v1/leases/resolve` {"leases": [{"lease_id", "env"}], "session_id", "command": [argv]}
  -> {"leases": [{"lease_id", "name", "env", "value", "expires_at"}]}: all or nothing
- `POST /v1/leases/{lease_id}/resolve` {"session_id", "command", "env"?} -> the same, one lease
Refusals: 404 unknown lease or secret, 403 bound to another session or program, 410 expired /
revoked / used, 503 no usable keyring; `{"error": sentence, "code": ...}`.

Only resolution returns a value, and only to a caller holding the operator token (`exec`). The
value is never logged, audited or published: records carry names and lease ids only.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from approvald.redact import remember_secret
from approvald.secrets import SecretNameError, validate_name
from approvald.secrets import db as secrets_db
from approvald.secrets import leases as lease_store
from approvald.secrets import meta as meta_store
from approvald.secrets.keyring import KeyringFailure, KeyringUnavailable, SecretKeyring

log = logging.getLogger("approvald.daemon.leases")

MAX_BODY = 64 * 1024
_Handler = Callable[[Request], Awaitable[Response]]


class _Refused(Exception):
    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


def _now() -> float:
    return time.time()


def _lease_record(event: str, lease: lease_store.Lease, **extra: Any) -> dict[str, Any]:
    """An audit record: names, ids and bindings; never a value."""
    return {"event": event, "lease_id": lease.id, "name": lease.name,
            "session_id": lease.session_id, "for_pattern": lease.for_pattern,
            "single_use": lease.single_use, "expires_at": secrets_db.iso(lease.expires_at),
            **extra}


class LeaseRoutes:
    def __init__(self, ctx: Any | None, keyring: SecretKeyring | None = None):
        self._ctx = ctx
        self._keyring = keyring

    @property
    def ctx(self) -> Any:
        if self._ctx is None:
            raise RuntimeError("lease routes used before the daemon context is known")
        return self._ctx

    @property
    def keyring(self) -> SecretKeyring:
        if self._keyring is None:
            self._keyring = getattr(self._ctx, "secret_keyring", None) or SecretKeyring()
        return self._keyring

    # -- plumbing ---------------------------------------------------------------------------

    def _token(self) -> str:
        token = getattr(self.ctx, "token", "") or ""
        if not token:
            try:
                token = self.ctx.paths.token_file.read_text(encoding="utf-8").strip()
            except OSError:
                token = ""
        return str(token)

    def _require_operator(self, request: Request) -> None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        expected = self._token()
        if scheme.lower() != "bearer" or not expected or not hmac.compare_digest(
                given.strip().encode(), expected.encode()):
            raise _Refused(401, "the operator's token is required (Authorization: Bearer ...)")

    async def _body(self, request: Request) -> dict[str, Any]:
        body = await request.body()
        if len(body) > MAX_BODY:
            raise _Refused(413, "request body too large")
        if not body:
            return {}
        try:
            doc = json.loads(body)
        except ValueError as exc:
            raise _Refused(400, "request body is not JSON") from exc
        if not isinstance(doc, dict):
            raise _Refused(400, "request body must be a JSON object")
        return doc

    def _audit(self, record: dict[str, Any]) -> None:
        try:
            self.ctx.audit.append(record)
        except Exception as exc:  # the audit writer logs its own failures; never lose the call
            log.error("audit: could not append %s: %s", record.get("event"), exc)

    def _publish(self, type_: str, data: dict[str, Any]) -> None:
        try:
            self.ctx.events.publish(type_, data)
        except Exception as exc:
            log.error("events: could not publish %s: %s", type_, exc)

    def _db(self) -> Any:
        return secrets_db.opened(self.ctx.paths.database)

    def _wrap(self, handler: _Handler) -> _Handler:
        async def endpoint(request: Request) -> Response:
            if self._ctx is None:
                self._ctx = request.app.state.ctx
            try:
                self._require_operator(request)
                await self._sweep()
                return await handler(request)
            except _Refused as exc:
                return _error(exc.status, str(exc), exc.code)
            except lease_store.LeaseError as exc:
                return _error(exc.http_status, str(exc), exc.code)
            except SecretNameError as exc:
                return _error(400, str(exc), "invalid")
            except KeyringUnavailable as exc:
                return _error(503, str(exc), "keyring")
            except KeyringFailure as exc:
                return _error(503, str(exc), "keyring")
        return endpoint

    async def _sweep(self) -> None:
        expired = await run_in_threadpool(self._sweep_db)
        self._report_expired(expired)

    def _sweep_db(self) -> list[lease_store.Lease]:
        with self._db() as conn:
            return lease_store.sweep_expired(conn, now=_now())

    def _report_expired(self, expired: list[lease_store.Lease]) -> None:
        now = _now()
        for lease in expired:
            self._audit(_lease_record("lease.expired", lease))
            self._publish("lease.expired", lease.to_json(now))

    # -- secrets metadata -------------------------------------------------------------------

    async def list_secrets(self, request: Request) -> Response:
        def work() -> list[dict[str, Any]]:
            now = _now()
            with self._db() as conn:
                active: dict[str, int] = {}
                for lease in lease_store.list_leases(conn, now=now):
                    active[lease.name] = active.get(lease.name, 0) + 1
                return [{**m.to_json(), "active_leases": active.get(m.name, 0)}
                        for m in meta_store.list_meta(conn)]
        return JSONResponse({"secrets": await run_in_threadpool(work)})

    async def put_meta(self, request: Request) -> Response:
        name = validate_name(request.path_params["name"])
        doc = await self._body(request)
        description = doc.get("description")
        if description is not None and not isinstance(description, str):
            raise _Refused(400, "field 'description' must be a string")

        def work() -> tuple[meta_store.SecretMeta, bool]:
            with self._db() as conn:
                return meta_store.upsert_meta(conn, name, description, _now())
        meta, created = await run_in_threadpool(work)
        self._audit({"event": "secret.stored", "name": name, "created": created})
        self._publish("secret.stored", meta.to_json())
        return JSONResponse({"secret": meta.to_json(), "created": created})

    async def delete_meta(self, request: Request) -> Response:
        name = validate_name(request.path_params["name"])

        def work() -> tuple[bool, list[lease_store.Lease]]:
            now = _now()
            with self._db() as conn:
                revoked = lease_store.revoke_leases_for(conn, name, now=now, by="secret.removed")
                return meta_store.delete_meta(conn, name), revoked
        removed, revoked = await run_in_threadpool(work)
        now = _now()
        for lease in revoked:
            self._audit(_lease_record("lease.revoked", lease, revoked_by="secret.removed"))
            self._publish("lease.revoked", lease.to_json(now))
        self._audit({"event": "secret.removed", "name": name, "had_metadata": removed})
        self._publish("secret.removed", {"name": name})
        return JSONResponse({"removed": removed, "revoked": [lease.id for lease in revoked]})

    # -- leases -----------------------------------------------------------------------------

    def _secret_exists(self, conn: Any, name: str) -> bool:
        if meta_store.get_meta(conn, name) is not None:
            return True
        # Stored with the platform's own keychain tools: adopt it (reads existence only).
        if self.keyring.get(name) is None:
            return False
        meta_store.upsert_meta(conn, name, None, _now())
        return True

    async def create_lease(self, request: Request) -> Response:
        doc = await self._body(request)
        name = doc.get("name")
        if not isinstance(name, str):
            raise _Refused(400, "field 'name' must be the secret's name")
        validate_name(name)
        ttl = doc.get("ttl_s")
        if not isinstance(ttl, (int, float)) or isinstance(ttl, bool):
            raise _Refused(400, "field 'ttl_s' must be a number of seconds")
        options: dict[str, Any] = {}
        for key in ("session_id", "for_pattern", "requested_by"):
            value = doc.get(key)
            if value is not None and not isinstance(value, str):
                raise _Refused(400, f"field {key!r} must be a string")
            options[key] = value
        single_use = doc.get("single_use", False)
        if not isinstance(single_use, bool):
            raise _Refused(400, "field 'single_use' must be true or false")

        def work() -> lease_store.Lease:
            with self._db() as conn:
                if not self._secret_exists(conn, name):
                    raise lease_store.LeaseError("no_secret", f"no secret named {name!r}: "
                                                 f"store it with `approvald secrets set {name}`")
                return lease_store.create_lease(
                    conn, name=name, ttl_s=ttl, now=_now(), session_id=options["session_id"],
                    for_pattern=options["for_pattern"], single_use=single_use,
                    requested_by=(options["requested_by"] or "cli")[:64])
        lease = await run_in_threadpool(work)
        log.info("lease %s on %s for %g s", lease.id, lease.name, lease.ttl_s)
        self._audit(_lease_record("lease.created", lease, ttl_s=lease.ttl_s,
                                  requested_by=lease.requested_by))
        data = lease.to_json(_now())
        self._publish("lease.created", data)
        return JSONResponse(data, status_code=201)

    async def list_leases(self, request: Request) -> Response:
        wanted = request.query_params.get("status", "active")
        if wanted not in ("active", "all"):
            raise _Refused(400, "status must be active or all")

        def work() -> list[dict[str, Any]]:
            now = _now()
            with self._db() as conn:
                items = lease_store.list_leases(conn, now=now, include_inactive=wanted == "all")
            return [lease.to_json(now) for lease in items]
        return JSONResponse({"leases": await run_in_threadpool(work)})

    async def get_lease(self, request: Request) -> Response:
        lease_id = request.path_params["lease_id"]

        def work() -> lease_store.Lease | None:
            with self._db() as conn:
                return lease_store.get_lease(conn, lease_id)
        lease = await run_in_threadpool(work)
        if lease is None:
            raise lease_store.LeaseError("unknown", f"unknown lease {lease_id}")
        return JSONResponse(lease.to_json(_now()))

    async def revoke_lease(self, request: Request) -> Response:
        lease_id = request.path_params["lease_id"]
        doc = await self._body(request)
        by = doc.get("by", "cli")
        if not isinstance(by, str) or not by:
            raise _Refused(400, "field 'by' must be a string")

        def work() -> lease_store.Lease:
            with self._db() as conn:
                return lease_store.revoke_lease(conn, lease_id, now=_now(), by=by[:64])
        lease = await run_in_threadpool(work)
        log.info("lease %s revoked by %s", lease.id, lease.revoked_by)
        self._audit(_lease_record("lease.revoked", lease, revoked_by=lease.revoked_by))
        data = lease.to_json(_now())
        self._publish("lease.revoked", data)
        return JSONResponse(data)

    async def resolve_many(self, request: Request) -> Response:
        doc = await self._body(request)
        items = doc.get("leases")
        if not isinstance(items, list) or not items:
            raise _Refused(400, "field 'leases' must list the leases to resolve")
        wanted: list[tuple[str, str | None]] = []
        for item in items:
            if isinstance(item, str):
                wanted.append((item, None))
            elif isinstance(item, dict) and isinstance(item.get("lease_id"), str):
                env = item.get("env")
                wanted.append((item["lease_id"], env if isinstance(env, str) else None))
            else:
                raise _Refused(400, "each lease must be an id or {\"lease_id\", \"env\"}")
        return await self._resolve(doc, wanted)

    async def resolve_one(self, request: Request) -> Response:
        doc = await self._body(request)
        env = doc.get("env")
        wanted = [(request.path_params["lease_id"], env if isinstance(env, str) else None)]
        return await self._resolve(doc, wanted)

    async def _resolve(self, doc: dict[str, Any], wanted: list[tuple[str, str | None]]) -> Response:
        session_id = doc.get("session_id")
        if session_id is not None and not isinstance(session_id, str):
            raise _Refused(400, "field 'session_id' must be a string")
        command = doc.get("command", [])
        if not isinstance(command, list) or not all(isinstance(a, str) for a in command):
            raise _Refused(400, "field 'command' must be the argv list exec will run")
        program = os.path.basename(command[0]) if command else None

        def work() -> list[tuple[lease_store.Lease, str]]:
            with self._db() as conn:
                return lease_store.resolve_leases(
                    conn, [lease_id for lease_id, _ in wanted], now=_now(),
                    session_id=session_id or None, argv=command, fetch=self.keyring.get)
        try:
            resolved = await run_in_threadpool(work)
        except lease_store.LeaseError as exc:
            ids = list(dict.fromkeys(i for i, _ in wanted))
            self._audit({"event": "lease.refused", "lease_id": ids[0] if len(ids) == 1 else None,
                         "lease_ids": ids,
                         "code": exc.code, "reason": str(exc), "session_id": session_id,
                         "program": program})
            log.info("lease resolution refused: %s", exc)
            raise
        now = _now()
        for lease, value in resolved:
            # Defence in depth: should the value ever come back (an agent echoing it into a
            # command), every audit record, log line, event and API answer redacts it.
            remember_secret(lease.name, value)
        by_id = {lease.id: (lease, value) for lease, value in resolved}
        answer = []
        for lease_id, env in wanted:
            lease, value = by_id[lease_id]
            answer.append({"lease_id": lease.id, "name": lease.name, "env": env,
                           "value": value, "expires_at": secrets_db.iso(lease.expires_at)})
        for lease, _ in resolved:
            envs = sorted({env for i, env in wanted if i == lease.id and env})
            self._audit(_lease_record("lease.used", lease, env=envs, program=program,
                                      exec_session_id=session_id, use_count=lease.use_count))
            self._publish("lease.used", {**lease.to_json(now), "env": envs, "program": program})
        return JSONResponse({"leases": answer}, headers={"Cache-Control": "no-store"})

    def routes(self) -> list[BaseRoute]:
        w = self._wrap
        return [
            Route("/v1/secrets", w(self.list_secrets), methods=["GET"]),
            Route("/v1/secrets/{name}/meta", w(self.put_meta), methods=["POST", "PUT"]),
            Route("/v1/secrets/{name}/meta", w(self.delete_meta), methods=["DELETE"]),
            Route("/v1/leases", w(self.create_lease), methods=["POST"]),
            Route("/v1/leases", w(self.list_leases), methods=["GET"]),
            Route("/v1/leases/resolve", w(self.resolve_many), methods=["POST"]),
            Route("/v1/leases/{lease_id}", w(self.get_lease), methods=["GET"]),
            Route("/v1/leases/{lease_id}/revoke", w(self.revoke_lease), methods=["POST"]),
            Route("/v1/leases/{lease_id}/resolve", w(self.resolve_one), methods=["POST"]),
        ]


def _error(status: int, message: str, code: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if code:
        body["code"] = code
    return JSONResponse(body, status_code=status)


def build_routes(ctx: Any | None = None, keyring: SecretKeyring | None = None
                 ) -> list[BaseRoute]:
    """The credential routes over the daemon's context (`.paths`, `.audit`, `.events`, and
    `.token` or `paths.token_file`); without `ctx`, the app's `state.ctx` on first request."""
    return LeaseRoutes(ctx, keyring).routes()


def sweep_expired_leases(ctx: Any) -> int:
    """Record every lease that expired since the last sweep (call on the daemon's loop)."""
    routes = LeaseRoutes(ctx, SecretKeyring(backend=None))
    with secrets_db.opened(ctx.paths.database) as conn:
        expired = lease_store.sweep_expired(conn, now=_now())
    routes._report_expired(expired)
    return len(expired)
