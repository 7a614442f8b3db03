"""The daemon's credential endpoints, served by the real daemon app over ASGI (no sockets)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from keyring.backend import KeyringBackend

from approvald.daemon.context import DaemonContext
from approvald.secrets.keyring import SecretKeyring
from approvald.secrets.service import CredentialService
from approvald.storage.leases import LeaseStore
from tests.support.daemon import ListAudit, asgi_client, make_context
from tests.support.keyring import MemoryKeyring

VALUE = "ghp_0123456789abcdefLeaseTest"


@pytest.fixture
def backend() -> MemoryKeyring:
    backend = MemoryKeyring()
    backend.set_password("approvald", "GH", VALUE)
    return backend


@pytest.fixture
def ctx(approvald_home: Path, backend: MemoryKeyring) -> Iterator[DaemonContext]:
    context = make_context(load=False)
    use_keyring(context, backend)
    yield context
    context.database.close()


def use_keyring(ctx: DaemonContext, backend: KeyringBackend) -> None:
    ctx.credentials = CredentialService(LeaseStore(ctx.database), ctx.report,
                                        keyring=lambda: SecretKeyring(backend))


def audit_of(ctx: DaemonContext) -> ListAudit:
    assert isinstance(ctx.audit, ListAudit)
    return ctx.audit


async def _lease(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    r = await client.post("/v1/leases", json={"name": "GH", "ttl_s": 60, **body})
    assert r.status_code == 201, r.text
    return r.json()


async def _resolve(client: httpx.AsyncClient, lease_id: str, *, session: str | None = None,
                   command: list[str] | None = None) -> httpx.Response:
    return await client.post("/v1/leases/resolve", json={
        "leases": [{"lease_id": lease_id, "env": "GH_TOKEN"}], "session_id": session,
        "command": command or ["gh", "pr", "create"]})


async def test_every_endpoint_needs_the_operator_token(client: httpx.AsyncClient) -> None:
    for method, path in [("GET", "/v1/secrets"), ("POST", "/v1/leases"), ("GET", "/v1/leases"),
                         ("POST", "/v1/leases/resolve"), ("POST", "/v1/leases/ls_x/resolve"),
                         ("POST", "/v1/leases/ls_x/revoke"), ("DELETE", "/v1/secrets/GH/meta")]:
        for headers in ({"Authorization": ""}, {"Authorization": "Bearer wrong"}):
            r = await client.request(method, path, headers=headers, json={})
            assert r.status_code == 401, (method, path, r.text)


async def test_create_resolve_and_audit(client: httpx.AsyncClient, ctx: DaemonContext) -> None:
    subscription = ctx.events.subscribe()
    lease = await _lease(client)
    assert lease["lease_id"].startswith("ls_") and lease["name"] == "GH"
    assert lease["status"] == "active" and lease["expires_at"]
    r = await _resolve(client, lease["lease_id"])
    assert r.status_code == 200, r.text
    assert r.json()["leases"] == [{"lease_id": lease["lease_id"], "name": "GH",
                                   "env": "GH_TOKEN", "value": VALUE,
                                   "expires_at": lease["expires_at"]}]
    assert r.headers["cache-control"] == "no-store"
    audit = audit_of(ctx)
    assert audit.events() == ["lease.created", "lease.used"]
    used = audit.records[1]
    assert used["lease_id"] == lease["lease_id"] and used["program"] == "gh"
    assert used["env"] == ["GH_TOKEN"]
    types = []
    while not subscription.queue.empty():
        types.append(subscription.queue.get_nowait()["type"])
    assert types == ["lease.created", "lease.used"]
    # The value is in no record and no event.
    assert VALUE not in repr(audit.records)


async def test_single_use_and_revoke(client: httpx.AsyncClient, ctx: DaemonContext) -> None:
    once = await _lease(client, single_use=True)
    assert (await _resolve(client, once["lease_id"])).status_code == 200
    second = await _resolve(client, once["lease_id"])
    assert second.status_code == 410 and second.json()["code"] == "used"

    lease = await _lease(client)
    r = await client.post(f"/v1/leases/{lease['lease_id']}/revoke", json={"by": "cli"})
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    again = await client.post(f"/v1/leases/{lease['lease_id']}/revoke", json={})
    assert again.status_code == 409
    refused = await _resolve(client, lease["lease_id"])
    assert refused.status_code == 410 and "revoked" in refused.json()["error"]
    assert "lease.revoked" in audit_of(ctx).events()
    assert audit_of(ctx).events().count("lease.refused") == 2


async def test_bindings(client: httpx.AsyncClient) -> None:
    bound = await _lease(client, session_id="sess-1", for_pattern="gh *")
    assert (await _resolve(client, bound["lease_id"], session="sess-2")).status_code == 403
    wrong_program = await _resolve(client, bound["lease_id"], session="sess-1",
                                   command=["curl", "https://example.invalid"])
    assert wrong_program.status_code == 403 and wrong_program.json()["code"] == "program"
    assert (await _resolve(client, bound["lease_id"], session="sess-1")).status_code == 200


async def test_expiry_is_immediate_and_recorded(client: httpx.AsyncClient,
                                                ctx: DaemonContext) -> None:
    lease = await _lease(client, ttl_s=0.3)
    await asyncio.sleep(0.4)
    r = await _resolve(client, lease["lease_id"])
    assert r.status_code == 410 and r.json()["code"] == "expired"
    assert "lease.expired" in audit_of(ctx).events()
    # Recorded once, whether by a request or by the daemon's sweep.
    assert len(ctx.credentials.sweep()) == 0
    assert audit_of(ctx).events().count("lease.expired") == 1


async def test_sweep_records_expiry_without_a_request(client: httpx.AsyncClient,
                                                      ctx: DaemonContext) -> None:
    await _lease(client, ttl_s=0.2)
    await asyncio.sleep(0.3)
    assert len(ctx.credentials.sweep()) == 1
    assert audit_of(ctx).events() == ["lease.created", "lease.expired"]


async def test_unknown_secret_and_bad_input(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/leases", json={"name": "NOPE", "ttl_s": 60})
    assert r.status_code == 404 and "NOPE" in r.json()["error"]
    for body in ({"name": "GH"}, {"name": "GH", "ttl_s": "10"}, {"name": "../x", "ttl_s": 5},
                 {"name": "GH", "ttl_s": 10, "single_use": "yes"}, {"ttl_s": 10}):
        assert (await client.post("/v1/leases", json=body)).status_code == 400, body
    r = await _resolve(client, "ls_unknown")
    assert r.status_code == 404


async def test_secret_metadata(client: httpx.AsyncClient, ctx: DaemonContext) -> None:
    r = await client.post("/v1/secrets/GH/meta", json={"description": "GitHub"})
    assert r.status_code == 200 and r.json()["created"] is True
    lease = await _lease(client)
    listing = (await client.get("/v1/secrets")).json()["secrets"]
    assert [(s["name"], s["description"], s["active_leases"]) for s in listing] == [
        ("GH", "GitHub", 1)]
    assert listing[0]["last_leased_at"] is not None
    removed = (await client.delete("/v1/secrets/GH/meta")).json()
    assert removed == {"removed": True, "revoked": [lease["lease_id"]]}
    assert (await client.get("/v1/secrets")).json()["secrets"] == []
    assert {"secret.stored", "secret.removed", "lease.revoked"} <= set(audit_of(ctx).events())


async def test_list_leases(client: httpx.AsyncClient) -> None:
    a = await _lease(client)
    b = await _lease(client)
    await client.post(f"/v1/leases/{a['lease_id']}/revoke", json={})
    active = (await client.get("/v1/leases")).json()["leases"]
    assert [x["lease_id"] for x in active] == [b["lease_id"]]
    everything = (await client.get("/v1/leases?status=all")).json()["leases"]
    assert {x["lease_id"] for x in everything} == {a["lease_id"], b["lease_id"]}
    one = (await client.get(f"/v1/leases/{b['lease_id']}")).json()
    assert one["lease_id"] == b["lease_id"] and "value" not in one


async def test_keyring_missing_gives_503(ctx: DaemonContext) -> None:
    from keyring.backends import fail

    use_keyring(ctx, fail.Keyring())
    async with asgi_client(ctx) as c:
        r = await c.post("/v1/leases", json={"name": "GH", "ttl_s": 5})
    assert r.status_code == 503 and "no usable OS keyring" in r.json()["error"]


async def test_two_leases_in_one_exec(client: httpx.AsyncClient, backend: MemoryKeyring,
                                      ctx: DaemonContext) -> None:
    backend.set_password("approvald", "AWS", "aws-secret-value")
    r = await client.post("/v1/leases", json={"name": "AWS", "ttl_s": 60, "single_use": True})
    aws = r.json()
    gh = await _lease(client)
    body = {"leases": [{"lease_id": gh["lease_id"], "env": "GH_TOKEN"},
                       {"lease_id": aws["lease_id"], "env": "AWS_KEY"}],
            "session_id": None, "command": ["terraform", "plan"]}
    r = await client.post("/v1/leases/resolve", json=body)
    assert r.status_code == 200, r.text
    assert [(x["env"], x["value"]) for x in r.json()["leases"]] == [
        ("GH_TOKEN", VALUE), ("AWS_KEY", "aws-secret-value")]
    # The single-use one is spent: the pair now fails as a whole, and the GH lease is unused.
    again = await client.post("/v1/leases/resolve", json=body)
    assert again.status_code == 410
    one = (await client.get(f"/v1/leases/{gh['lease_id']}")).json()
    assert one["use_count"] == 1


async def test_a_resolved_value_is_redacted_from_everything_the_daemon_shows(
        client: httpx.AsyncClient, ctx: DaemonContext, backend: MemoryKeyring) -> None:
    from approvald.policy import load_engine
    from approvald.redaction import forget_secrets

    # A value with no token shape of its own: only knowing it can redact it.
    plain = "correct-horse-battery-staple"
    backend.set_password("approvald", "DB_PASSWORD", plain)
    ctx._engine_loader = load_engine
    ctx.reload_policy()
    command = {"kind": "process.exec", "cwd": "/w", "input": {"command": f"echo {plain}"}}
    try:
        await client.post("/v1/decide", json={"action": command, "wait": False})
        assert plain in (await client.get("/v1/activity")).text  # not known yet
        r = await client.post("/v1/leases", json={"name": "DB_PASSWORD", "ttl_s": 60})
        assert (await _resolve(client, r.json()["lease_id"])).status_code == 200
        await client.post("/v1/decide", json={"action": command, "wait": False})
        activity = (await client.get("/v1/activity")).text
        assert plain not in activity
        assert activity.count("[REDACTED:DB_PASSWORD]") >= 2
    finally:
        forget_secrets()


def test_remembered_values_are_redacted_and_short_ones_ignored() -> None:
    from approvald.redaction import forget_secrets, redact_text, remember_secret

    try:
        remember_secret("DB", "correct-horse-battery-staple")
        remember_secret("PIN", "123")
        assert redact_text("pw correct-horse-battery-staple 123") == "pw [REDACTED:DB] 123"
    finally:
        forget_secrets()
    assert redact_text("pw correct-horse-battery-staple") == "pw correct-horse-battery-staple"
