"""Keys whose target was chosen before the lists changed under them: the "always allow" rule
previewed for one request, the grant selected when a new one arrives (against a fake daemon)."""

from __future__ import annotations

from approvald_tui.app import ApprovalsApp
from approvald_tui.screens.proposal import ProposalScreen
from tests.support.tui import FakeDaemonClient, approval, make_app, until


async def _connected(pilot, app: ApprovalsApp) -> None:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: app.state.connected, what="connection")
    await pilot.pause()


def _notices(app: ApprovalsApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def _proposal() -> dict[str, object]:
    return {"commands": [], "matches": [], "proposal_refused": None, "proposal": {
        "rule_id": "allow-git-push-origin-feature-abc123",
        "summary": "allow git push origin feature/* in webshop",
        "text": "  - id: allow-git-push-origin-feature-abc123\n    decision: ALLOW\n",
        "file": "/home/dev/.config/approvald/policies/approved.yaml",
        "overrides": ["git-push"], "would_have_matched_count": 0, "approved_like_this": 0,
        "would_have_matched": []}}


async def test_enter_on_a_proposal_whose_request_went_away_approves_nothing() -> None:
    previewed = approval(1, "git push origin feature/login", age_s=90)
    other = approval(2, "rm -rf build", age_s=30, rules=("rm-rf",))
    client = FakeDaemonClient(pending=[previewed, other])
    client.explained["ap_0001"] = _proposal()
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await _connected(pilot, app)
        await until(pilot, lambda: "ap_0001" in app.explained, what="the explanation")
        await pilot.press("A")
        await until(pilot, lambda: isinstance(app.screen, ProposalScreen))
        # Decided elsewhere while the person reads the rule: the cursor moves to ap_0002.
        client.pending.remove(previewed)
        client.push({"type": "approval.decided", **previewed, "status": "denied",
                     "decided_by": "cli"})
        await until(pilot, lambda: "ap_0001" not in app.pending.approvals)
        assert app.pending.selected() == app.pending.approvals["ap_0002"]
        await pilot.press("enter")
        await until(pilot, lambda: client.calls or any("no longer waiting" in n
                                                       for n in _notices(app)),
                    what="the notice or a decision")
        assert client.calls == []  # not ("approve", "ap_0002", "once+always")
        assert list(app.pending.approvals) == ["ap_0002"]



def _grant(n: int, summary: str, decided_at: str) -> dict[str, object]:
    return approval(n, summary, status="approved", scope="session", decided_by="dashboard",
                    decided_at=decided_at, grant="standing", use_count=1)


async def test_a_grant_joining_keeps_the_selected_grant_selected_for_x() -> None:
    client = FakeDaemonClient()
    client.grants_list = [_grant(5, "npm test -- --watch", "2025-06-02T09:20:00Z"),
                          _grant(7, "make lint", "2025-06-02T09:25:00Z")]
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await _connected(pilot, app)
        await pilot.press("8")
        await until(pilot, lambda: app.grants.row_count == 2)
        await pilot.press("G")  # the older grant, below the newer one
        await until(pilot, lambda: (app.grants.selected() or {}).get("id") == "ap_0005")
        client.push({"type": "approval.decided", **_grant(6, "cargo build",
                                                          "2025-06-02T09:30:30Z")})
        await until(pilot, lambda: app.grants.row_count == 3, what="the new grant")
        assert str(app.grants.get_row_at(0)[-1]) == "cargo build"  # newest first
        assert (app.grants.selected() or {}).get("id") == "ap_0005"
        await pilot.press("x")
        await until(pilot, lambda: client.calls)
        assert client.calls == [("revoke-grant", "ap_0005", None)]
