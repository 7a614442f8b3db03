"""The pipe's message for one evaluation carries the action whole (evaluator_worker)."""

from __future__ import annotations

import pickle

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from approvald.daemon.evaluator_worker import eval_message
from approvald.model.actions import Action

_TEXT = st.text(max_size=12)
_OPTIONAL = st.none() | _TEXT
_VALUES = st.none() | st.booleans() | st.integers() | _TEXT | st.lists(_TEXT, max_size=3)
_ACTIONS = st.builds(
    Action, _TEXT, _TEXT, st.dictionaries(_TEXT, _VALUES, max_size=4), _TEXT, _TEXT, _TEXT,
    _OPTIONAL, st.tuples(_TEXT, _TEXT) | st.just(()), _OPTIONAL, _OPTIONAL, _OPTIONAL,
    st.none() | st.dictionaries(_TEXT, _VALUES, max_size=3), _TEXT, _TEXT, _TEXT)


def _as_the_worker_reads_it(message: bytes) -> Action:
    kind, values = pickle.loads(message)
    assert kind == "eval"
    return Action(*values)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # a busy machine
@given(_ACTIONS)
def test_the_worker_gets_every_field_of_the_action(action: Action) -> None:
    got = _as_the_worker_reads_it(eval_message(action))
    assert got == action
    assert {name: getattr(got, name) for name in Action.FIELDS} == \
        {name: getattr(action, name) for name in Action.FIELDS}
    assert got.fingerprint == action.fingerprint
