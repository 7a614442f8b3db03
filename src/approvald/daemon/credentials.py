"""The daemon's credential routes: secret metadata, leases, and lease resolution for `exec`.

Every route is an operator route (Authorization: Bearer <state/operator.token>) over the
credential use cases (`ctx.credentials`, approvald.secrets.service), run on a worker thread
(SQLite, and the keyring for resolution):

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

Only resolution returns a value, and only to a caller holding the operator token (`exec`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from approvald.daemon.http import (
    ApiError,
    context,
    read_json,
    require_operator,
    string_field,
    surface,
)
from approvald.model.leases import SecretNameError
from approvald.secrets.keyring import KeyringFailure, KeyringUnavailable
from approvald.storage.leases import LeaseError

MAX_BODY = 64 * 1024
_Handler = Callable[[Request], Awaitable[Response]]


def _operator(handler: _Handler, *, agents_may: bool = False) -> _Handler:
    """The operator check, then `handler`; credential errors become their API refusals.
    `agents_may`: an agent's process may call it too (using a lease the person gave it)."""
    async def endpoint(request: Request) -> Response:
        require_operator(request, agents_may=agents_may)
        try:
            await run_in_threadpool(context(request).credentials.sweep)
            return await handler(request)
        except LeaseError as exc:
            raise ApiError(exc.http_status, str(exc), exc.code) from exc
        except SecretNameError as exc:
            raise ApiError(400, str(exc), "invalid") from exc
        except (KeyringUnavailable, KeyringFailure) as exc:
            raise ApiError(503, str(exc), "keyring") from exc
    return endpoint


async def list_secrets(request: Request) -> Response:
    items = await run_in_threadpool(context(request).credentials.list_secrets)
    return JSONResponse({"secrets": items})


async def put_meta(request: Request) -> Response:
    doc = await read_json(request, MAX_BODY)
    description = string_field(doc, "description")
    result = await run_in_threadpool(context(request).credentials.secret_stored,
                                     request.path_params["name"], description)
    return JSONResponse(result)


async def delete_meta(request: Request) -> Response:
    credentials = context(request).credentials
    return JSONResponse(await run_in_threadpool(credentials.secret_removed,
                                                request.path_params["name"]))


async def create_lease(request: Request) -> Response:
    doc = await read_json(request, MAX_BODY)
    name = doc.get("name")
    if not isinstance(name, str):
        raise ApiError(400, "field 'name' must be the secret's name")
    ttl = doc.get("ttl_s")
    if not isinstance(ttl, (int, float)) or isinstance(ttl, bool):
        raise ApiError(400, "field 'ttl_s' must be a number of seconds")
    single_use = doc.get("single_use", False)
    if not isinstance(single_use, bool):
        raise ApiError(400, "field 'single_use' must be true or false")
    options = {key: string_field(doc, key) for key in ("session_id", "for_pattern",
                                                        "requested_by")}

    def work() -> dict[str, Any]:
        return context(request).credentials.create_lease(name, ttl, single_use=single_use,
                                                         **options)
    return JSONResponse(await run_in_threadpool(work), status_code=201)


async def list_leases(request: Request) -> Response:
    wanted = request.query_params.get("status", "active")
    if wanted not in ("active", "all"):
        raise ApiError(400, "status must be active or all")
    items = await run_in_threadpool(context(request).credentials.list_leases, wanted == "all")
    return JSONResponse({"leases": items})


async def get_lease(request: Request) -> Response:
    credentials = context(request).credentials
    return JSONResponse(await run_in_threadpool(credentials.get_lease,
                                                request.path_params["lease_id"]))


async def revoke_lease(request: Request) -> Response:
    doc = await read_json(request, MAX_BODY)
    by = doc.get("by", "cli")
    if not isinstance(by, str) or not by:
        raise ApiError(400, "field 'by' must be a string")
    by = surface(request)  # who revoked: the surface, never the body
    lease = await run_in_threadpool(context(request).credentials.revoke_lease,
                                    request.path_params["lease_id"], by)
    return JSONResponse(lease)


def _wanted(items: object) -> list[tuple[str, str | None]]:
    if not isinstance(items, list) or not items:
        raise ApiError(400, "field 'leases' must list the leases to resolve")
    wanted: list[tuple[str, str | None]] = []
    for item in items:
        if isinstance(item, str):
            wanted.append((item, None))
        elif isinstance(item, dict) and isinstance(item.get("lease_id"), str):
            env = item.get("env")
            wanted.append((item["lease_id"], env if isinstance(env, str) else None))
        else:
            raise ApiError(400, "each lease must be an id or {\"lease_id\", \"env\"}")
    return wanted


async def _resolve(request: Request, wanted: list[tuple[str, str | None]],
                   doc: dict[str, Any]) -> Response:
    session_id = string_field(doc, "session_id")
    command = doc.get("command", [])
    if not isinstance(command, list) or not all(isinstance(a, str) for a in command):
        raise ApiError(400, "field 'command' must be the argv list exec will run")

    def work() -> list[dict[str, Any]]:
        return context(request).credentials.resolve(wanted, session_id=session_id or None,
                                                    command=command)
    return JSONResponse({"leases": await run_in_threadpool(work)},
                        headers={"Cache-Control": "no-store"})


async def resolve_many(request: Request) -> Response:
    doc = await read_json(request, MAX_BODY)
    return await _resolve(request, _wanted(doc.get("leases")), doc)


async def resolve_one(request: Request) -> Response:
    doc = await read_json(request, MAX_BODY)
    env = doc.get("env")
    wanted = [(request.path_params["lease_id"], env if isinstance(env, str) else None)]
    return await _resolve(request, wanted, doc)


def routes() -> list[BaseRoute]:
    return [
        Route("/v1/secrets", _operator(list_secrets), methods=["GET"]),
        Route("/v1/secrets/{name}/meta", _operator(put_meta), methods=["POST", "PUT"]),
        Route("/v1/secrets/{name}/meta", _operator(delete_meta), methods=["DELETE"]),
        Route("/v1/leases", _operator(create_lease), methods=["POST"]),
        Route("/v1/leases", _operator(list_leases), methods=["GET"]),
        Route("/v1/leases/resolve", _operator(resolve_many, agents_may=True),
              methods=["POST"]),
        Route("/v1/leases/{lease_id}", _operator(get_lease), methods=["GET"]),
        Route("/v1/leases/{lease_id}/revoke", _operator(revoke_lease), methods=["POST"]),
        Route("/v1/leases/{lease_id}/resolve", _operator(resolve_one, agents_may=True),
              methods=["POST"]),
    ]
