"""`policy test --jsonl` reads each line as json.loads does (policy_cmd.parse_json_line): the
same document, or the same error."""

from __future__ import annotations

import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from approvald.cli.policy_cmd import parse_json_line

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=3),
    max_leaves=8)
SPACE = st.text(alphabet=" \t\r\n\f\v\u00a0\ufeff", max_size=3)
# Lines: documents as written (with whitespace around), their pieces, and any text at all.
LINES = (st.builds(lambda before, value, after: before + json.dumps(value) + after,
                   SPACE, VALUES, SPACE)
         | st.builds(lambda text, cut: text[:cut], st.builds(json.dumps, VALUES),
                     st.integers(0, 40))
         | st.text(alphabet='{}[]":,0123456789.eE+-tfnrulasx \t\n\\\ufeff\x00', max_size=24)
         | st.text(max_size=12))


def _outcome(read: object, line: str) -> tuple[str, object]:
    try:
        return "value", read(line)  # type: ignore[operator]
    except json.JSONDecodeError as exc:
        return "error", (exc.msg, exc.pos, exc.lineno, exc.colno)
    except (ValueError, RecursionError) as exc:
        return "other", (type(exc), str(exc))


@settings(max_examples=3000, deadline=None)
@given(LINES)
@example('{"tool_name": "Bash", "tool_input": {"command": "ls"}}\n')
@example('   {"a": 1}\n')
@example('\ufeff{"a": 1}')
@example('{"a": 1} {"b": 2}\n')
@example('{"a": 1}\n\n ')
@example('{"a": "\x01"}')
@example("  ")
@example("NaN")
@example("[1, 2")
@example("1.5e")
def test_a_line_reads_as_json_loads_reads_it(line: str) -> None:
    fast, slow = _outcome(parse_json_line, line), _outcome(json.loads, line)
    assert fast == slow
    if fast[0] == "value":  # the same document, of the same types (1 == 1.0 == True)
        assert json.dumps(fast[1]) == json.dumps(slow[1])
