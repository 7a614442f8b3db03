"""What an upstream result becomes before the agent sees it: capped, redacted, checked.

- A result whose text (content, structured content, embedded resources) exceeds the cap is
  replaced by an error saying so: the model gets a clear answer, not a truncated one it might
  take for the whole.
- Redaction is the project's one redactor (`approvald.redaction`): secret-looking values by
  shape and the values this process leased, here; the values the daemon remembers (other
  leases), by the daemon, when it says it knows some. `content` and `structuredContent` both:
  SDK servers put the same text in each. Image and audio data are not text and stay as sent.
- If redaction changed the structured content and the tool declares an output schema, the
  result is checked against it again: an agent's SDK would reject a result that no longer
  fits, so the redacted text is sent as an error result instead.
"""

from __future__ import annotations

from typing import Any

from approvald.gateway.scan import BINARY_BLOCKS
from approvald.redaction import redact_obj


def text_size(value: Any) -> int:
    """Characters of text in a JSON value (what the model would read), cheaply."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(text_size(v) for v in value.values())
    if isinstance(value, list):
        return sum(text_size(v) for v in value)
    return 0


def result_size(result: dict[str, Any]) -> int:
    content = result.get("content")
    blocks = content if isinstance(content, list) else []
    return sum(text_size(b) for b in blocks if not (isinstance(b, dict)
                                                    and b.get("type") in BINARY_BLOCKS)) \
        + text_size(result.get("structuredContent"))


def too_large(result: dict[str, Any], limit: int) -> str | None:
    size = result_size(result)
    if size <= limit:
        return None
    return (f"the result is too large for approvald to pass on ({size:,} characters of text; "
            f"the limit is {limit:,}, `max_result_kb` in config.toml's [gateway] table); ask "
            "for less (a range, a page, a filter)")


def _text_parts(result: dict[str, Any]) -> dict[str, Any]:
    """The parts of a result that carry text: every non-binary content block, structured
    content. Keys say where each came from so they can be put back."""
    parts: dict[str, Any] = {}
    content = result.get("content")
    if isinstance(content, list):
        for index, block in enumerate(content):
            if not (isinstance(block, dict) and block.get("type") in BINARY_BLOCKS):
                parts[f"content.{index}"] = block
    if "structuredContent" in result:
        parts["structuredContent"] = result["structuredContent"]
    return parts


def _put_back(result: dict[str, Any], parts: dict[str, Any]) -> dict[str, Any]:
    out = dict(result)
    if isinstance(result.get("content"), list):
        content = list(result["content"])
        for key, value in parts.items():
            if key.startswith("content."):
                content[int(key.split(".", 1)[1])] = value
        out["content"] = content
    if "structuredContent" in parts:
        out["structuredContent"] = parts["structuredContent"]
    return out


def redact_result(result: dict[str, Any]) -> dict[str, Any]:
    """Shapes and this process's leased values."""
    return _put_back(result, redact_obj(_text_parts(result)))


async def redact_remotely(result: dict[str, Any], redact: Any) -> dict[str, Any]:
    """The daemon's remembered values too (`redact` is the client's `/v1/redact`)."""
    redacted = await redact(_text_parts(result))
    if not isinstance(redacted, dict):
        raise ValueError("the daemon's redaction is not an object")
    return _put_back(result, redacted)


def fits_output_schema(structured: Any, schema: dict[str, Any] | None) -> bool:
    if not isinstance(schema, dict):
        return True
    import jsonschema

    try:
        jsonschema.validate(structured, schema)
    except jsonschema.ValidationError:
        return False
    except jsonschema.SchemaError:
        return True  # the upstream's schema is broken; the agent will say so, not us
    return True


def error_result(text: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "isError": True}


def as_error_with_text(result: dict[str, Any], why: str) -> dict[str, Any]:
    """The result's texts, as an error result (no structured content)."""
    texts = [b["text"] for b in result.get("content", []) if isinstance(b, dict)
             and isinstance(b.get("text"), str)]
    return error_result("\n".join([why, *texts]))
