"""Reading a payload's call (`snake_case_call`): the fields taken as they are, without a call
to `text_field` / `object_field` each, give what those calls give, or the same error."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from approvald.agents import tools
from approvald.agents.tools import correlation_id, object_field, text_field
from approvald.model.actions import ActionError


class _Text(str):
    """A str subclass (`text_field` takes one as text)."""


class _Mapping(dict):  # type: ignore[type-arg]
    """A dict subclass (`object_field` takes one as an object)."""


VALUE = st.none() | st.text(max_size=4) | st.text(max_size=4).map(_Text) | st.integers() | \
    st.just({}) | st.just({"command": "ls"}) | st.just(_Mapping(a=1)) | st.just(["ls"])
KEYS = ("tool_name", "tool_input", "session_id", "cwd", "tool_use_id", "prompt_id")
PAYLOAD = st.dictionaries(st.sampled_from(KEYS), VALUE)


def _reference(doc: dict[str, object]) -> tuple[object, ...]:
    """The call's fields as `snake_case_call` read them with a call per field."""
    return ("claude-code", text_field(doc, "tool_name", label="Claude Code payload"),
            object_field(doc, "tool_input"), text_field(doc, "session_id", required=False),
            text_field(doc, "cwd", required=False), correlation_id(doc, "tool_use_id"),
            correlation_id(doc, "prompt_id"))


def _outcome(read: object) -> object:
    try:
        return read()  # type: ignore[operator]
    except ActionError as exc:
        return str(exc)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # a busy machine
@given(PAYLOAD)
def test_the_fields_taken_as_they_are_are_what_the_field_readers_give(doc: dict[str, object]
                                                                      ) -> None:
    def fast() -> tuple[object, ...]:
        call = tools.snake_case_call("claude-code", doc, "Claude Code")
        return (call.agent, call.tool, call.tool_input, call.session_id, call.cwd,
                call.call_id, call.prompt_id)

    def slow() -> tuple[object, ...]:
        agent, tool, tool_input, session_id, cwd, call_id, prompt_id = _reference(doc)
        call = tools.Call(agent, tool, tool_input, session_id, cwd,  # type: ignore[arg-type]
                          call_id, prompt_id)  # type: ignore[arg-type]
        return (call.agent, call.tool, call.tool_input, call.session_id, call.cwd,
                call.call_id, call.prompt_id)

    found, expected = _outcome(fast), _outcome(slow)
    assert found == expected
    if isinstance(expected, tuple) and "tool_input" in doc:  # the payload's own object
        assert found[2] is doc["tool_input"]  # type: ignore[index]
