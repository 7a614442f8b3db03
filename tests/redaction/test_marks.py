"""A value counts as redacted already only when it is exactly one mark as the redactor writes
it: anything before or after a mark may be a secret."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from approvald.redaction import redact_obj, redact_output_obj, redact_text

WALKERS: list[Callable[..., Any]] = [redact_obj, redact_output_obj]


# A value under a key that names a secret: kept only when it is exactly one mark.
@pytest.mark.parametrize("value", ["[REDACTED:x] hunter2", "[REDACTED:x]hunter2",
                                   "hunter2 [REDACTED:x]", "[REDACTED:x][REDACTED:y]",
                                   "[REDACTED:x]\nhunter2", "[REDACTED: x]", "[REDACTED:]",
                                   "[REDACTED:x]@hunter2", "[REDACTED:" + "x" * 200 + "]"])
@pytest.mark.parametrize("walk", WALKERS)
def test_a_value_that_only_starts_with_a_mark_is_replaced(walk: Callable[..., Any],
                                                          value: str) -> None:
    assert walk({"password": value}) == {"password": "[REDACTED:password]"}


@pytest.mark.parametrize("value", ["[REDACTED:x]", "[REDACTED:github_token]",
                                   "[REDACTED:deploy.key@prod-1]"])
@pytest.mark.parametrize("walk", WALKERS)
def test_a_value_that_is_exactly_a_mark_keeps_its_kind(walk: Callable[..., Any],
                                                       value: str) -> None:
    assert walk({"api_key": value}) == {"api_key": value}


@pytest.mark.parametrize(("text", "redacted"), [
    ("password=[REDACTED:x]hunter2", "password=[REDACTED:password]"),
    ("DB_PASSWORD=[REDACTED:x]hunter2 go", "DB_PASSWORD=[REDACTED:password] go"),
    ("--password [REDACTED:x]hunter2", "--password [REDACTED:password]"),
    ("curl https://u:[REDACTED:x]pw@host/", "curl https://u:[REDACTED:url_password]@host/"),
    ("Authorization: Bearer [REDACTED:x]hunter2",
     "Authorization: Bearer [REDACTED:authorization]"),
])
def test_text_that_only_starts_with_a_mark_is_redacted(text: str, redacted: str) -> None:
    assert redact_text(text) == redacted


@pytest.mark.parametrize("text", [
    "password=[REDACTED:password]",
    'password="[REDACTED:x]" and more',
    "--api-key [REDACTED:api_key] --verbose",
    "curl -H 'Authorization: Bearer [REDACTED:authorization]' https://x.io",
    "git push https://x-access-token:[REDACTED:url_password]@github.com/o/r",
])
def test_text_as_the_redactor_writes_it_stays(text: str) -> None:
    assert redact_text(text) == text


def test_a_leased_value_with_a_long_name_is_replaced_in_tool_output() -> None:
    from approvald.redaction.output import tool_output_answer

    name = "deploy." + "n" * 120  # as long as a secret's name may be (model/leases.py)
    answer, counts = tool_output_answer({"response": {"out": "value s3cr3t-value-1234"}},
                                        [(name, "s3cr3t-value-1234")])
    assert answer.output == {"out": f"value [REDACTED:{name}]"}
    assert counts == {name: 1}
