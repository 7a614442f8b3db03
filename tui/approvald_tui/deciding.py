"""What the deciding keys do: approve (once, for the session, always: with the rule proposed
from the request), deny (with a reason, or every request of a session), and what becomes of a
decision the daemon took or refused. Mixed into `ApprovalsApp` through `KeyActions`."""

from __future__ import annotations

from textual import work
from textual.app import App

from approvald_tui.client import DaemonClient, DaemonError
from approvald_tui.messages import DecisionDone, DecisionFailed
from approvald_tui.model import Approval, Clock, one_line
from approvald_tui.screens.confirm import ConfirmScreen
from approvald_tui.screens.detail import DetailScreen
from approvald_tui.screens.proposal import ProposalScreen
from approvald_tui.screens.reason import ReasonScreen
from approvald_tui.widgets.activity import HistoryTable
from approvald_tui.widgets.pending import PendingTable


class DecisionActions(App[int]):
    """The deciding half of the keys; these are the parts of the app it uses."""

    client: DaemonClient
    clock: Clock
    in_flight: dict[str, Approval]
    pending: PendingTable
    history: HistoryTable
    confirm_high_risk: bool
    explained: dict[str, Approval]

    def target(self) -> Approval | None:
        raise NotImplementedError

    def _nothing_to_decide(self) -> None:
        raise NotImplementedError

    def detail_screen(self) -> DetailScreen | None:
        raise NotImplementedError

    def _pending_changed(self) -> None:
        raise NotImplementedError

    def fetch_explained(self, approval_id: str) -> None:
        raise NotImplementedError

    def action_approve_once(self) -> None:
        self._approve("once")

    def action_approve_session(self) -> None:
        self._approve("session")

    def _approve(self, scope: str, always: bool = False,
                 approval: Approval | None = None) -> None:
        """Approve `approval` (by default the target); first ask again when a `risk: high` rule
        asked for it and the configuration says to (`[dashboard] confirm_high_risk`)."""
        approval = approval or self.target()
        if approval is None:
            self._nothing_to_decide()
            return
        if not (self.confirm_high_risk and approval.get("high_risk")):
            self._decide("approve", scope=scope, approval=approval, always=always)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._decide("approve", scope=scope, approval=approval, always=always)

        rules = ", ".join(str(r) for r in approval.get("rules") or [])
        self.push_screen(ConfirmScreen(
            f"Approve a high-risk request{' for the session' if scope == 'session' else ''}?",
            f"{one_line(approval.get('summary'), 200)}\n(rule {rules} is marked risk: high)"),
            answered)

    def action_approve_always(self) -> None:
        """A: the rule proposed from this request (what it allows, what it would have matched
        lately); enter writes it and approves."""
        approval = self.target()
        if approval is None:
            self._nothing_to_decide()
            return
        approval_id = str(approval.get("id"))
        explained = self.explained.get(approval_id)
        if explained is None:
            self.notify("Looking at the request; press A again in a moment.", timeout=3)
            self.fetch_explained(approval_id)
            return
        proposal = explained.get("proposal")
        if not isinstance(proposal, dict):
            why = explained.get("proposal_refused") or explained.get("error") or "unknown"
            self.notify(f"No rule for this request: {why}", severity="warning", timeout=6)
            return

        def answered(accept: bool | None) -> None:
            if not accept:
                return
            # The rule previewed is this request's: if it was decided elsewhere or expired
            # meanwhile, the cursor sits on another one, which must not get a rule unseen.
            if approval_id not in self.pending.approvals:
                self.notify("That request is no longer waiting: nothing was written.",
                            severity="warning", timeout=5)
                return
            self._approve("once", always=True, approval=approval)

        self.push_screen(ProposalScreen(str(approval.get("summary") or ""), proposal), answered)

    def action_deny_session(self) -> None:
        """D: deny every pending request of the selected one's agent session (asks first)."""
        approval = self.target()
        if approval is None:
            self._nothing_to_decide()
            return
        session = approval.get("session_id")
        same = [a for a in self.pending.ordered()
                if a.get("session_id") == session and a.get("agent") == approval.get("agent")]

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            for item in same:
                if str(item.get("id")) in self.pending.approvals:
                    self._decide("deny", reason="denied with every request of this session",
                                 approval=item)

        self.push_screen(ConfirmScreen(
            f"Deny all {len(same)} pending request{'s' if len(same) != 1 else ''} of this "
            "session?", f"{approval.get('agent') or 'agent'} session {session or '-'} in "
            f"{approval.get('cwd') or '-'}"), answered)

    def action_deny(self) -> None:
        self._decide("deny")

    def action_deny_reason(self) -> None:
        approval = self.target()
        if approval is None:
            self._nothing_to_decide()
            return

        def denied(text: str | None) -> None:
            if text is not None:
                self._decide("deny", reason=text.strip() or None, approval=approval)

        self.push_screen(ReasonScreen(one_line(approval.get("summary"), 100)), denied)

    def _decide(self, verb: str, *, scope: str | None = None, reason: str | None = None,
                approval: Approval | None = None, always: bool = False) -> None:
        approval = approval or self.target()
        if approval is None:
            self._nothing_to_decide()
            return
        approval_id = str(approval.get("id"))
        # Off the list at once, so a second key press acts on the next request, not this one.
        self.in_flight[approval_id] = approval
        self.pending.remove_approval(approval_id)
        detail = self.detail_screen()
        if detail is not None and detail.approval_id == approval_id:
            detail.dismiss(None)
        self._pending_changed()
        self.send_decision(approval_id, verb, scope, reason, always)

    @work(group="decide")
    async def send_decision(self, approval_id: str, verb: str, scope: str | None,
                            reason: str | None, always: bool = False) -> None:
        try:
            if verb == "approve":
                result = await self.client.approve(approval_id, scope or "once", always=always)
            else:
                result = await self.client.deny(approval_id, reason)
        except DaemonError as exc:
            self.post_message(DecisionFailed(approval_id, str(exc), exc.status,
                                             getattr(exc, "code", None)))
            return
        self.post_message(DecisionDone(result or {"id": approval_id}))

    def on_decision_done(self, message: DecisionDone) -> None:
        approval = message.approval
        approval_id = str(approval.get("id") or "")
        self.in_flight.pop(approval_id, None)
        if approval.get("status") and approval.get("status") != "pending":
            self.history.add_items([approval])
        rule = approval.get("rule")
        if isinstance(rule, dict):
            self.notify(f"Rule {rule.get('id')} written to {rule.get('file')}: "
                        f"{rule.get('summary')} from now on.", title="Always allowed",
                        timeout=8)
        if approval.get("grant") == "none":
            self.notify("Its agent had stopped waiting: nothing was let through.",
                        severity="warning", timeout=6)

    def on_decision_failed(self, message: DecisionFailed) -> None:
        approval = self.in_flight.pop(message.approval_id, None)
        if message.code == "not_proposable" and approval is not None:  # nothing was decided
            self.pending.upsert(approval, self.clock())
            self._pending_changed()
            self.notify(message.error, severity="warning", timeout=6)
            return
        if message.status in (404, 409):
            self.notify(f"{message.approval_id}: {message.error}", severity="warning", timeout=5)
            return
        if approval is not None:  # not decided: put it back so the person can try again
            self.pending.upsert(approval, self.clock())
            self._pending_changed()
        self.notify(f"could not decide {message.approval_id}: {message.error}",
                    severity="error", timeout=6)

