"""Redaction of text: known values (leased secrets) in every form `values` knows, and
secret-looking values (tokens, keys, passwords) by their shape.

Standard library only: it runs on every audit record (and the hook may write records when no
daemon runs). Most text holds no secret at all, so one cheap pass over a lowercased copy looks
for the few substrings every secret shape here contains; only text that has one goes through
the patterns.

A redacted value becomes `[REDACTED:<kind>]`; what names it (`Authorization: Bearer`,
`password=`, the user in `https://user:...@host`) is kept, so a reader still sees what was there.
Over-redacting an ordinary value is preferred to leaking a real one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable

from approvald.model.lazyre import lazy_compile
from approvald.redaction.values import Redactor

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any

MARK = "[REDACTED:{}]"
# One mark as this code writes it: a kind, or a secret's name as `model.leases` allows it.
_ONE_MARK = lazy_compile(r"\[REDACTED:[A-Za-z0-9_][A-Za-z0-9_.@-]{0,127}\]")

# Never redact a value that is only a reference to one (`$TOKEN`, `${TOKEN}`).
_NOT_A_VALUE = r"(?!\$)"

_Replacer = Callable[["re.Match[str]"], str]


def is_mark(text: str) -> bool:
    """Is `text` exactly one mark, nothing around it? Only such a value counts as redacted
    already: `[REDACTED:x] hunter2` holds a secret still."""
    return text.startswith("[REDACTED:") and _ONE_MARK.fullmatch(text) is not None


def _redacted_already(value: str) -> bool:
    """Is a `name=value` value in text one this module wrote? Exactly one mark, or one before
    `@` as a URL's password is written (`https://x-access-token:[REDACTED:url_password]@host`
    is then read as `token:` followed by its value). Anything else after a mark may be a
    secret: `password=[REDACTED:x]hunter2` is redacted."""
    mark, at, _ = value.partition("]@")
    return is_mark(mark + "]" if at else value)


def _whole(kind: str) -> _Replacer:
    """Replace the whole match."""
    mark = MARK.format(kind)
    return lambda m: mark


def _keep_head(kind: str) -> _Replacer:
    """Keep group `head` (what names the secret) and replace group `value`."""
    mark = MARK.format(kind)

    def replace(m: re.Match[str]) -> str:
        if _redacted_already(m.group("value")):
            return m.group(0)
        return m.group("head") + mark + (m.groupdict().get("tail") or "")

    return replace


def _kind_of_name(name: str) -> str:
    """`--db-password` -> password, `--client-secret` -> secret, `--api-key` -> api_key."""
    lowered = name.lower()
    if "pass" in lowered or "pwd" in lowered:
        return "password"
    if "secret" in lowered:
        return "secret"
    if "key" in lowered:
        return "api_key"
    return "token"


def _flag_value(m: re.Match[str]) -> str:
    """`--password hunter2` -> `--password [REDACTED:password]`."""
    if _redacted_already(m.group("value")):
        return m.group(0)
    return m.group("head") + MARK.format(_kind_of_name(m.group("head")))


def _assignment(kind: str) -> _Replacer:
    """`name=value`, `name: "value"`: keep the name and the quotes, replace the value."""
    mark = MARK.format(kind)

    def replace(m: re.Match[str]) -> str:
        quote = m.group("q") or ""
        value = m.group("qvalue") if quote else m.group("value")
        if not value or _redacted_already(value):
            return m.group(0)  # password="" holds nothing to hide
        return m.group("head") + quote + mark + quote

    return replace


# Secret-bearing names end with one of these (`GITHUB_TOKEN`, `db_password`, `X-Api-Key`), by
# kind, with the lowercase substrings that gate each. A bare `pass` must start a name (`bypass`
# is no password) and `pwd` needs a prefix (`PWD=` is the working directory).
_SECRET_NAMES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("password", ("pass",), r"pass(?:word|wd|phrase)|(?<![A-Za-z])pass"),
    ("password", ("pwd",), r"(?<=[_-])pwd"),
    ("secret", ("secret",), r"secret"),
    ("token", ("token",), r"token"),
    ("api_key", ("key",), r"api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?key"),
)
_SECRET_NAME = "(?:" + "|".join(regex for _, _, regex in _SECRET_NAMES) + ")"
_NAME_TRIGGERS = tuple(t for _, triggers, _ in _SECRET_NAMES for t in triggers)

# The value of `name=value`, quoted or bare (a bare one ends at a separator: `&` in a query).
_ASSIGNED_VALUE = (r"(?:(?P<q>[\"'])(?P<qvalue>[^\"'\r\n]*)(?P=q)|(?P<value>[^\s&\"',;}]+))")


class _Pattern:
    """A regular expression compiled on its first use: a text is searched with a pattern only
    when it holds one of the pattern's triggers, so most processes never compile most of them
    (the hook deciding without a daemon redacts one record)."""

    __slots__ = ("_compiled", "_flags", "_regex")

    def __init__(self, regex: str, flags: int) -> None:
        self._regex = regex
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    def sub(self, replace: _Replacer, text: str) -> str:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self._regex, self._flags)
        return compiled.sub(replace, text)


def _pattern(regex: str, ignore_case: bool = False) -> _Pattern:
    return _Pattern(regex, re.IGNORECASE if ignore_case else 0)


_Entry = tuple[tuple[str, ...], _Pattern, _Replacer]

# (lowercase substrings, one of which the text must hold; pattern; replacement). Every pattern
# starts with a literal where it can (a word boundary is checked by a lookbehind after it):
# regex search skips ahead to a literal prefix fast, which matters for multi-megabyte commands.
# Order matters: a whole PEM block or header first, then specific token shapes, then the generic
# `name=value` forms (which would otherwise only catch part of a specific shape).
_SHAPES: tuple[_Entry, ...] = (
    (("-----begin",),
     _pattern(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?s:.*?)"
              r"(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)"),
     _whole("private_key")),
    # Authorization: Bearer x / Basic x / Digest a="b", ..., in a header, curl -H, JSON text.
    (("authorization",),
     _pattern(r"(?P<head>authorization[\"']?\s*[:=]\s*[\"']?"
              r"(?:(?:bearer|basic|token|digest|negotiate|ntlm|apikey)\s+)?)" + _NOT_A_VALUE
              + r"(?P<value>(?<=digest )[^'\r\n]+|[^\s\"'\\]+)", ignore_case=True),
     _keep_head("authorization")),
    # scheme://user:password@host -> keep the user.
    (("://",),
     _pattern(r"(?P<head>://[^\s:/@\"'<>]*:)" + _NOT_A_VALUE
              + r"(?P<value>[^\s@/\"'<>]+)(?P<tail>@)"),
     _keep_head("url_password")),
    (("sk-ant-",), _pattern(r"sk-ant-(?<![A-Za-z0-9_]sk-ant-)[A-Za-z0-9_-]{16,}"),
     _whole("anthropic_key")),
    (("sk-",), _pattern(r"sk-(?<![A-Za-z0-9_]sk-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
     _whole("openai_key")),
    (("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
     _pattern(r"(?:gh[pousr]_|github_pat_)(?<![A-Za-z0-9]gh._)(?<![A-Za-z0-9]github_pat_)"
              r"[A-Za-z0-9_]{20,}"),
     _whole("github_token")),
    (("akia", "asia"), _pattern(r"(?:AKIA|ASIA)(?<![A-Za-z0-9]....)[A-Z0-9]{16}(?![A-Za-z0-9])"),
     _whole("aws_access_key_id")),
    (("secret_access_key",),
     _pattern(r"(?P<head>secret_access_key[\"']?\s*[:=]?\s*[\"']?)" + _NOT_A_VALUE
              + r"(?P<value>[A-Za-z0-9/+=]{30,})", ignore_case=True),
     _keep_head("aws_secret_access_key")),
    (("xox",), _pattern(r"xox[abprs]-(?<![A-Za-z0-9]xox.-)[A-Za-z0-9-]{10,}"),
     _whole("slack_token")),
    (("eyj",), _pattern(r"eyJ(?<![A-Za-z0-9_-]eyJ)[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}"
                        r"\.[A-Za-z0-9_-]*"),
     _whole("jwt")),
    # --password hunter2, -p=..., --api-key=xyz.
    (_NAME_TRIGGERS,
     _pattern(r"(?P<head>-(?<![\w-]-)-?[A-Za-z0-9-]*" + _SECRET_NAME + r"(?:=|\s+))" + _NOT_A_VALUE
              + r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s\"'-][^\s\"']*)", ignore_case=True),
     _flag_value),
)


def _assignments(value: str) -> tuple[_Entry, ...]:
    """password=x, GITHUB_TOKEN="x", "api_key": "x", secret: x, ?access_token=x&...: the name's
    start needs no matching (it is kept as it is), only its secret-bearing end."""
    return tuple((triggers,
                  _pattern(r"(?P<head>(?:" + regex + r")[\"']?\s*[:=]\s*)" + _NOT_A_VALUE + value,
                           ignore_case=True),
                  _assignment(kind))
                 for kind, triggers, regex in _SECRET_NAMES)


_PATTERNS: tuple[_Entry, ...] = (*_SHAPES, *_assignments(_ASSIGNED_VALUE))

# Tool output the model reads back (source code, logs, files): `token: str` or
# `password = os.environ["X"]` in code is no secret, and redacting it would break the agent's
# edits. So here `name=value` counts only when the value is a quoted literal, or when the name
# is an environment variable's (`DB_PASSWORD=x`, `export API_TOKEN=...`, `SECRET_KEY: x`);
# every secret shape above counts as everywhere.
_ENV_SECRET_WORD = (r"(?:PASSWORD|PASSWD|PASSPHRASE|PASS|(?<=_)PWD|SECRET|TOKEN|API_?KEY"
                    r"|ACCESS_?KEY|PRIVATE_?KEY|AUTH_?KEY|CREDENTIALS?)")
_OUTPUT_PATTERNS: tuple[_Entry, ...] = (
    *_SHAPES,
    *_assignments(r"(?P<q>[\"'])(?P<qvalue>[^\"'\r\n]*)(?P=q)"),
    (("pass", "pwd", "secret", "token", "key", "credential"),
     _pattern(r"(?<![A-Za-z0-9_])(?P<head>(?:[A-Z0-9]+_)*" + _ENV_SECRET_WORD
              + r"(?:_[A-Z0-9]+)*\s*[:=]\s*)" + _NOT_A_VALUE + _ASSIGNED_VALUE),
     lambda m: _assignment(_kind_of_name(m.group("head")))(m)),
)


# JSON keys whose string value is a secret as a whole (`{"password": "hunter2"}`).
_SECRET_KEY = lazy_compile(r"(?:.*[_-])?(?:" + _SECRET_NAME + r"|authorization|cookie)",
                           re.IGNORECASE)
# Every name _SECRET_KEY ends with holds one of these; an ASCII key holding none cannot match
# (for ASCII text IGNORECASE is lower()), so most records never compile it (~0.7 ms a process).
_SECRET_KEY_WORDS = ("pass", "pwd", "secret", "token", "key", "authorization", "cookie")


def _triggers(patterns: tuple[_Entry, ...]) -> tuple[str, ...]:
    """The substrings that gate `patterns`, the cheapest (shortest) first: a text holds one of
    them if and only if it holds any pattern's trigger (one holding another is left out:
    `sk-ant-` holds `sk-`)."""
    every = {t for triggers, _, _ in patterns for t in triggers}
    return tuple(sorted((t for t in every if not any(o != t and o in t for o in every)),
                        key=len))


_ALL_TRIGGERS = _triggers(_PATTERNS)
_OUTPUT_TRIGGERS = _triggers(_OUTPUT_PATTERNS)
# `pass=x` is the shortest text any pattern redacts.
_SHORTEST_SECRET = 6


# Values of leased secrets this process has handed out (the daemon, at lease resolution).
# Memory only: they are what must never reach a file.
_REMEMBERED: list[tuple[str, str]] = []
_MIN_REMEMBERED = 4  # shorter values would redact ordinary text
_MAX_REMEMBERED = 1024


def remember_secret(name: str, value: str) -> None:
    """From now on, redact `value` (in every form) as `[REDACTED:NAME]` in this process."""
    if len(value) < _MIN_REMEMBERED or any(v == value for _, v in _REMEMBERED):
        return
    _REMEMBERED.append((name, value))
    del _REMEMBERED[:-_MAX_REMEMBERED]


def forget_secrets() -> None:
    _REMEMBERED.clear()


def remembered_values() -> tuple[tuple[str, str], ...]:
    """The (name, value) pairs this process redacts by value, for a process of its own that
    redacts for it (the daemon's audit writer): `redact_text(text, remembered_values())`
    there is `redact_text(text)` here."""
    return tuple(_REMEMBERED)


def remembered_count() -> int:
    """How many values this process redacts by value (a count, never a value)."""
    return len(_REMEMBERED)


@functools.lru_cache(maxsize=64)
def _known(values: tuple[tuple[str, str], ...]) -> Redactor:
    return Redactor(values)


def _replace_known(text: str, values: tuple[tuple[str, str], ...]) -> str:
    return _known(values).redact_text(text)


def redact_text(text: str, extra_values: Iterable[tuple[str, str]] = ()) -> str:
    """`text` with every secret-looking value replaced by `[REDACTED:<kind>]`.

    `extra_values` are (name, value) pairs of known secrets (leased credentials): every
    occurrence of a value becomes `[REDACTED:NAME]`, whatever it looks like.
    """
    return _redact_with(text, tuple(extra_values), _PATTERNS, _ALL_TRIGGERS)


def redact_output_text(text: str, extra_values: Iterable[tuple[str, str]] = ()) -> str:
    """`redact_text` for a tool's output the agent reads back (files, logs, command output):
    known values and secret shapes alike, but `name=value` only where the value is a quoted
    literal or the name an environment variable's, so code stays as written."""
    return _redact_with(text, tuple(extra_values), _OUTPUT_PATTERNS, _OUTPUT_TRIGGERS)


def _redact_with(text: str, extra_values: tuple[tuple[str, str], ...],
                 patterns: tuple[_Entry, ...], all_triggers: tuple[str, ...]) -> str:
    known = (*extra_values, *_REMEMBERED)
    if known:
        text = _replace_known(text, tuple(known))
    if len(text) < _SHORTEST_SECRET:
        return text
    lowered = text.lower()
    if not _holds_any(lowered, all_triggers):
        return text
    for triggers, pattern, replace in patterns:
        if _holds_any(lowered, triggers):
            text = pattern.sub(replace, text)
    return text


def redacts_nothing(texts: list[str], extra_values: tuple[tuple[str, str], ...] = ()) -> bool:
    """True when `redact_text(text, extra_values)` is `text` itself for every text in `texts`
    (no value is redacted by value, and none holds a trigger of any pattern), found in one pass
    over them all; False means only that some may change. An audit record's strings are
    checked at once this way: most hold nothing a pattern looks for."""
    if extra_values or _REMEMBERED:
        return False
    return holds_no_shape(texts)


def holds_no_shape(texts: Iterable[str]) -> bool:
    """True when redaction by shape leaves every text in `texts` as it is (none holds a
    trigger of any pattern); what is redacted by value aside."""
    # No trigger holds "\0", so none is found across two texts; and lowering the joined text
    # lowers each text as on its own (the one rule that looks at neighbours, the final sigma,
    # takes "\0" for a text's end; and every trigger is ASCII).
    return not _holds_any("\0".join(texts).lower(), _ALL_TRIGGERS)


def _holds_any(lowered: str, triggers: tuple[str, ...]) -> bool:
    # A plain loop: this is the hot path, most text holds none, and any() over a generator
    # costs more.
    for trigger in triggers:  # noqa: SIM110
        if trigger in lowered:
            return True
    return False


@functools.lru_cache(maxsize=4096)  # records repeat the same few keys
def secret_key_kind(key: str) -> str | None:
    """The kind of secret a key names (`password`, `api_key`, ...), or None: a string under
    such a key is replaced whole."""
    lowered = key.lower()
    if key.isascii() and not any(word in lowered for word in _SECRET_KEY_WORDS):
        return None
    if not _SECRET_KEY.fullmatch(key):
        return None
    for word, kind in (("authorization", "authorization"), ("cookie", "cookie"),
                       ("pass", "password"), ("pwd", "password"), ("secret", "secret"),
                       ("key", "api_key")):
        if word in lowered:
            return kind
    return "token"


def redact_obj(obj: Any, extra_values: Iterable[tuple[str, str]] = ()) -> Any:
    """A copy of JSON-like `obj` with every string redacted, keys included (`distinct_keys`).

    A string under a key that names a secret (`password`, `api_key`, `Authorization`, ...)
    is replaced whole, since such a value rarely has a recognizable shape of its own.
    """
    extras = tuple(extra_values)
    return _redact(obj, extras, redact_text)


def redact_output_obj(obj: Any, extra_values: Iterable[tuple[str, str]] = ()) -> Any:
    """`redact_obj` with `redact_output_text`'s reading of strings: a tool's structured output
    keeps its types and every key and value without a secret exactly."""
    return _redact(obj, tuple(extra_values), redact_output_text)


def distinct_keys(keys: list[Any], redacted: list[Any]) -> list[Any]:
    """The keys of one mapping once redacted (`redacted[i]` is `keys[i]` redacted), none lost:
    a key redaction left as it is stays so; a changed one that meets a key already taken gets
    the first free ` #2`, ` #3`, ... after it (in the mapping's order, so always the same)."""
    taken = {new for key, new in zip(keys, redacted, strict=True) if new == key}
    out: list[Any] = []
    for key, new in zip(keys, redacted, strict=True):
        if new != key:
            suffix, distinct = 2, new
            while distinct in taken:
                distinct = f"{new} #{suffix}"
                suffix += 1
            taken.add(distinct)
            new = distinct
        out.append(new)
    return out


def _redact(obj: Any, extras: tuple[tuple[str, str], ...],
            text: Callable[[str, Iterable[tuple[str, str]]], str]) -> Any:
    if isinstance(obj, str):
        return text(obj, extras)
    if isinstance(obj, dict):
        keys: list[Any] = []
        values: list[Any] = []
        for key, value in obj.items():
            kind = secret_key_kind(key) if isinstance(key, str) else None
            keys.append(key)
            # A value that is exactly a mark stays (it keeps its kind); anything more is
            # replaced: `[REDACTED:x] hunter2` still holds a secret.
            if kind and isinstance(value, str) and value and not is_mark(value):
                values.append(MARK.format(kind))
            else:
                values.append(_redact(value, extras, text))
        redacted = [text(key, extras) if isinstance(key, str) else key for key in keys]
        if redacted != keys:
            keys = distinct_keys(keys, redacted)
        return dict(zip(keys, values, strict=True))
    if isinstance(obj, (list, tuple)):
        return [_redact(item, extras, text) for item in obj]
    return obj
