"""Everything a person needs to judge one approval: the command (highlighted, the triggering
sub-command marked), where it runs, who asks, which rules and why, the fingerprint, and the
diff or URL for file writes and fetches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.console import Group, RenderableType
from rich.style import Style
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from approvald.model.escalations import escalations
from approvald_tui.model import (
    Approval,
    command_of,
    countdown,
    diff_of,
    fetch_of,
    lease_request,
    offset_to_line_col,
    project,
    short_fingerprint,
    target_label,
    trigger_span,
)

TRIGGER_STYLE = Style(bold=True, underline=True, bgcolor="dark_red")
ESCALATION_STYLE = Style(bold=True, color="bright_white", bgcolor="red")
SUGGEST_AFTER = 2  # past approvals like this one before the rule is suggested
SYNTAX_THEME = "monokai"
MAX_DIFF_LINES = 400


def command_syntax(command: str, trigger: object, risky: Sequence[str] = ()) -> Syntax:
    syntax = Syntax(command, "bash", theme=SYNTAX_THEME, word_wrap=True,
                    background_color="default")
    span = trigger_span(command, trigger)
    if span is not None and span[1] > span[0]:
        syntax.stylize_range(TRIGGER_STYLE, offset_to_line_col(command, span[0]),
                             offset_to_line_col(command, span[1]))
    for word in risky:
        start = command.find(word)
        while start >= 0:
            syntax.stylize_range(ESCALATION_STYLE, offset_to_line_col(command, start),
                                 offset_to_line_col(command, start + len(word)))
            start = command.find(word, start + len(word))
    return syntax


def _runs(explained: Approval | None, cwd: str) -> Table | None:
    """Each command of the line with the directory it runs in (after the line's own `cd`)."""
    commands = (explained or {}).get("commands") or []
    if not commands:
        return None
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, style="dim")
    table.add_column(overflow="fold")
    table.add_column(overflow="fold")
    for number, command in enumerate(commands, start=1):
        where = str(command.get("cwd") or "")
        place = Text(f"in {where}", style="bold yellow" if where and where != cwd else "dim")
        rules = command.get("rules") or []
        text = Text(str(command.get("text") or ""), style="bold" if rules else "")
        if rules:
            text.append(f"  ← {', '.join(rules)}", style="yellow")
        table.add_row(f"{number}.", text, place)
    return table


def _always(explained: Approval | None) -> Text | None:
    """What `A` would do: the rule proposed from this request, suggested after repeats."""
    if explained is None:
        return None
    proposal = explained.get("proposal")
    if not isinstance(proposal, dict):
        refused = explained.get("proposal_refused")
        return Text(f"A (always): not offered: {refused}", style="dim") if refused else None
    count = int(proposal.get("approved_like_this") or 0)
    if count >= SUGGEST_AFTER:
        return Text.assemble((f"You approved {count} like this. ", "bold green"),
                             ("A", "bold cyan"), f" would {proposal.get('summary')} from now on")
    return Text.assemble(("A", "bold cyan"), f" (always): {proposal.get('summary')}",
                         style="dim")


def _fingerprint_text(fingerprint: object, full: bool) -> Text:
    text = Text(short_fingerprint(fingerprint), style="bold cyan")
    if full and isinstance(fingerprint, str):
        text.append(f"\n{fingerprint}", style="cyan")
    else:
        text.append("   (f: full fingerprint)", style="dim")
    return text


def render_approval(approval: Approval, now: datetime, full_fingerprint: bool = False,
                    explained: Approval | None = None) -> RenderableType:
    """The detail of one approval as a rich renderable; `explained` is what the daemon's
    explain route said about it (commands with their directories, the proposed rule)."""
    status = str(approval.get("status") or "pending")
    header = Text()
    header.append(f"{status.upper()} ", style="bold yellow" if status == "pending" else "bold")
    header.append(str(approval.get("id", "")), style="bold")
    if status == "pending" and approval.get("agent_gone_at"):
        header.append("   AGENT NO LONGER WAITING: its hook gave up; approving lets nothing "
                      "through, and if it asks again the request comes back",
                      style="bold magenta")
    elif status == "pending":
        header.append(f"   auto-deny in {countdown(approval, now)}", style="yellow")
    if approval.get("high_risk"):
        header.append("   HIGH RISK rule", style="bold red")
    parts: list[RenderableType] = [header]
    description = (approval.get("action") or {}).get("description")
    if isinstance(description, str) and description.strip():
        parts.append(Text.assemble(("Agent says  ", "bold"), (description.strip(), "italic")))

    command = command_of(approval)
    trigger = approval.get("trigger")
    risky = escalations(command) if command is not None else []
    if command is not None:
        parts += [Text("Command", style="bold underline"),
                  command_syntax(command, trigger, [e.word for e in risky])]
        if risky:
            watch = Text("Watch out  ", style="bold red")
            watch.append("; ".join(f"{e.word} ({e.why})" for e in risky))
            parts.append(watch)
        runs = _runs(explained, str(approval.get("cwd") or ""))
        if runs is not None:
            parts += [Text("Runs", style="bold underline"), runs]
        lease = lease_request(approval)
        if lease is not None:
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold", no_wrap=True)
            grid.add_column()
            for key, value in lease.items():
                grid.add_row(key, Text(value, style="bold cyan" if key == "Secret" else ""))
            parts += [Text("Lease request", style="bold underline"), grid]
    else:
        parts += [Text(target_label(approval), style="bold underline"),
                  Text(str(approval.get("summary") or "-"), style="bold")]

    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold", no_wrap=True)
    facts.add_column(overflow="fold")
    if isinstance(trigger, str) and trigger:
        facts.add_row("Triggered by", Text(trigger, style=TRIGGER_STYLE))
    rules = approval.get("rules") or []
    facts.add_row("Rules", ", ".join(str(r) for r in rules) if rules else "-")
    facts.add_row("Reason", str(approval.get("reason") or "-"))
    cwd = str(approval.get("cwd") or "-")
    facts.add_row("Project", Text.assemble((project(cwd), "bold"), f"   {cwd}"))
    facts.add_row("Agent", str(approval.get("agent") or "-"))
    facts.add_row("Session", str(approval.get("session_id") or "-"))
    tool = str(approval.get("tool") or "-")
    kind = approval.get("kind")
    facts.add_row("Tool", f"{tool} ({kind})" if kind else tool)
    fetch = fetch_of(approval)
    if fetch is not None:
        facts.add_row("Method", fetch[0])
        facts.add_row("URL", Text(fetch[1], style="bold"))
    facts.add_row("Fingerprint", _fingerprint_text(approval.get("fingerprint"), full_fingerprint))
    if approval.get("decided_by"):
        facts.add_row("Decided by", str(approval.get("decided_by")))
    if approval.get("decision_reason"):
        facts.add_row("Their reason", str(approval.get("decision_reason")))
    parts += [Text(""), facts]

    diff = diff_of(approval)
    if diff is not None:
        lines = diff.splitlines()
        if len(lines) > MAX_DIFF_LINES:
            lines = [*lines[:MAX_DIFF_LINES], f"... {len(lines) - MAX_DIFF_LINES} more lines"]
        parts += [Text(""), Text("Diff", style="bold underline"),
                  Syntax("\n".join(lines), "diff", theme=SYNTAX_THEME, word_wrap=True,
                         background_color="default")]
    always = _always(explained) if status == "pending" else None
    if always is not None:
        parts += [Text(""), always]
    return Group(*parts)


class DetailPanel(VerticalScroll):
    """The selected approval's detail, under the pending table."""

    DEFAULT_CSS = """
    DetailPanel { height: 1fr; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.approval: Approval | None = None
        self.explained: Approval | None = None
        self.full_fingerprint = False
        self._body = Static(id="detail-body")

    def compose(self) -> ComposeResult:
        yield self._body

    def show(self, approval: Approval | None, now: datetime,
             explained: Approval | None = None) -> None:
        if approval is None or self.approval is None or approval.get("id") != self.approval.get(
                "id"):
            self.full_fingerprint = False
            self.scroll_home(animate=False)
        self.approval = approval
        self.explained = explained
        self.refresh_body(now)

    def refresh_body(self, now: datetime) -> None:
        if self.approval is None:
            self._body.update(Text(
                "No pending approvals. When an agent asks for something that needs you, it "
                "appears here at once.", style="dim"))
        else:
            self._body.update(render_approval(self.approval, now, self.full_fingerprint,
                                              self.explained))
