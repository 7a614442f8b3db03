"""Results on their way to the agent: the size cap, redaction of every text part, the output
schema check."""

from __future__ import annotations

from approvald.gateway.results import (
    as_error_with_text,
    fits_output_schema,
    redact_remotely,
    redact_result,
    result_size,
    too_large,
)

TOKEN = "ghp_" + "Zz9Yy8Xx7W" * 3 + "v6U5t4"


def test_size_counts_text_not_images() -> None:
    result = {"content": [{"type": "text", "text": "abc"},
                          {"type": "image", "data": "A" * 10_000, "mimeType": "image/png"}],
              "structuredContent": {"k": "de"}}
    # String values only: the text block's "text" and "abc", the structured "de".
    assert result_size(result) == len("text") + len("abc") + len("de")
    assert too_large(result, 100) is None
    message = too_large({"content": [{"type": "text", "text": "x" * 5000}]}, 1000)
    assert message is not None and "5,004" in message and "1,000" in message


def test_redaction_covers_text_structured_content_and_resources_not_image_data() -> None:
    image = {"type": "image", "data": "ghp_notreally" + "A" * 40, "mimeType": "image/png"}
    result = {"content": [{"type": "text", "text": f"token {TOKEN}"}, image,
                          {"type": "resource", "resource": {"uri": "file:///t",
                                                            "text": TOKEN}}],
              "structuredContent": {"result": f"token {TOKEN}"}, "isError": False}
    cleaned = redact_result(result)
    assert TOKEN not in str(cleaned)
    assert cleaned["content"][1] == image  # binary data is passed as sent
    assert cleaned["isError"] is False and "[REDACTED:" in cleaned["structuredContent"]["result"]
    assert result["content"][0]["text"] == f"token {TOKEN}"  # the input is not changed


async def test_remote_redaction_sends_only_the_text_parts() -> None:
    sent = []

    async def redact(value: object) -> object:
        sent.append(value)
        return {key: "[REDACTED:LEASED]" if key == "structuredContent" else value[key]
                for key in value}  # type: ignore[index]

    image = {"type": "image", "data": "AAAA", "mimeType": "image/png"}
    result = {"content": [{"type": "text", "text": "a"}, image],
              "structuredContent": "leased-value"}
    cleaned = await redact_remotely(result, redact)
    assert sent == [{"content.0": {"type": "text", "text": "a"},
                     "structuredContent": "leased-value"}]
    assert cleaned["content"] == [{"type": "text", "text": "a"}, image]
    assert cleaned["structuredContent"] == "[REDACTED:LEASED]"


def test_output_schema_check() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    assert fits_output_schema({"n": 1}, schema)
    assert not fits_output_schema({"n": "[REDACTED:token]"}, schema)
    assert fits_output_schema("anything", None)
    assert fits_output_schema({"n": 1}, {"type": "no-such-type"})  # a broken schema is not ours
    error = as_error_with_text({"content": [{"type": "text", "text": "t"}]}, "why:")
    assert error == {"content": [{"type": "text", "text": "why:\nt"}], "isError": True}
