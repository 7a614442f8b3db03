"""The one redactor: what must never be stored, shown or sent is replaced by `[REDACTED:KIND]`.

- `values`: known secret values (leased credentials) in every form a program prints them in
  (raw, URL-encoded, base64), over a stream (`Redactor.stream()`) or one text;
- `text`: secret-looking text by its shape (tokens, keys, `password=`), plus every value
  remembered in this process (`remember_secret`);
- `redact_obj`: the same over JSON-like data: keys are redacted like any text (kept distinct),
  and a string under a key naming a secret is replaced whole;
- `redact_output_text` / `redact_output_obj`: for a tool's output the agent reads back (code,
  logs): secret shapes and known values, but `name=value` only for literals and environment
  variables, so `token: str` in code stays as written.

Standard library only: it runs on every audit record, and the hook may write records.
"""

from approvald.redaction.text import (
    MARK,
    distinct_keys,
    forget_secrets,
    holds_no_shape,
    is_mark,
    redact_obj,
    redact_output_obj,
    redact_output_text,
    redact_text,
    redacts_nothing,
    remember_secret,
    remembered_count,
    remembered_values,
    secret_key_kind,
)
from approvald.redaction.values import RedactingStream, Redactor

__all__ = ["MARK", "RedactingStream", "Redactor", "distinct_keys", "forget_secrets",
           "holds_no_shape", "is_mark", "redact_obj", "redact_output_obj", "redact_output_text",
           "redact_text", "redacts_nothing", "remember_secret", "remembered_count",
           "remembered_values", "secret_key_kind"]
