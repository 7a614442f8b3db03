"""`A`: "allow commands like this" — the rule proposed from the selected request, what it would
have matched lately, and where it will be written. Enter writes it and approves the request;
escape changes nothing."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from approvald_tui.model import one_line


def render_proposal(summary: str, proposal: dict[str, Any]) -> RenderableType:
    count = int(proposal.get("would_have_matched_count") or 0)
    shown = proposal.get("would_have_matched") or []
    lines: list[RenderableType] = [
        Text.assemble(("Always allow? ", "bold"), (str(proposal.get("summary")), "bold green")),
        Text(f"for the request: {one_line(summary, 200)}", style="dim"),
        Text(""),
        Text(f"The rule, written to {proposal.get('file')}:", style="bold underline"),
        Syntax(str(proposal.get("text") or ""), "yaml", theme="monokai", word_wrap=True,
               background_color="default"),
        Text(""),
    ]
    overrides = proposal.get("overrides") or []
    if overrides:
        lines.append(Text(f"It sets aside only {', '.join(overrides)} on what it matches; every "
                          "other rule still holds, and a DENY is never lifted.", style="dim"))
    agent_rule = proposal.get("agent_rule")
    if isinstance(agent_rule, dict) and agent_rule.get("summary"):
        # The agent's own permission prompt: the hook's answer carries the agent's rule too.
        lines.append(Text(f"And {agent_rule['summary']}, so its own dialog stops asking too.",
                          style="bold"))
    liked = int(proposal.get("approved_like_this") or 0)
    if liked:
        lines.append(Text(f"You approved {liked} request{'s' if liked != 1 else ''} like this "
                          "before.", style="bold"))
    lines.append(Text(f"In recent activity it would have matched {count}:",
                      style="bold underline"))
    for item in shown:
        lines.append(Text(f"  {one_line(item.get('summary'), 110)}   "
                          f"{item.get('cwd') or ''}", overflow="ellipsis", no_wrap=True))
    if count > len(shown):
        lines.append(Text(f"  ... and {count - len(shown)} more", style="dim"))
    lines += [Text(""), Text.assemble(("enter", "bold cyan"), " write the rule and approve    ",
                                      ("escape", "bold cyan"), " cancel")]
    return Group(*lines)


class ProposalScreen(ModalScreen[bool]):
    """Dismissed with True (enter: write and approve) or False (escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "answer(True)", "Write rule + approve", id="proposal.accept"),
        Binding("escape,q", "answer(False)", "Cancel", id="proposal.cancel"),
    ]

    def __init__(self, summary: str, proposal: dict[str, Any]) -> None:
        super().__init__()
        self.summary = summary
        self.proposal = proposal

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="proposal-box"):
            yield Static(render_proposal(self.summary, self.proposal), id="proposal-body")

    def action_answer(self, accept: bool) -> None:
        self.dismiss(accept)
