"""The `packages:` list of a pnpm-workspace.yaml, read with the standard library only.

Only a small subset of YAML is read: a top-level `packages:` key followed by a block list
(`- 'apps/*'`, one item a line) or a one-line flow list (`['apps/*', "libs/**"]`), items
plain, single- or double-quoted (without escapes), comments anywhere a line may end. Other
top-level keys are passed over. Anything else this subset cannot be sure of (anchors, aliases,
tags, several documents, multi-line items, a `packages` key twice) is None: the caller then
takes every package below the root, never none.
"""

from __future__ import annotations

from approvald.model.lazyre import lazy_compile

_KEY = lazy_compile(r"""(?:packages|"packages"|'packages')[ \t]*:(?:[ \t]+|$)(.*)$""")
_ITEM = lazy_compile(r"[ \t]*-(?:[ \t]+|$)(.*)$")
_COMMENT = lazy_compile(r"(?:^|[ \t])#.*$")
_PLAIN = lazy_compile(r"[^\s&*!|>%@`{}\[\],'\"#?:-][^#]*|-[^\s#][^#]*")


def pnpm_packages(text: str) -> list[str] | None:
    """The patterns of `packages:`; None when unsure, and when there is no such key (pnpm then
    takes every package below the root, as the caller does for None)."""
    found: list[str] | None = None
    in_list = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith(("---", "...", "%", "? ", "&", "*", "!", "{", "[", "<<")):
            return None
        if line[0] in " \t-":  # a line belonging to the last top-level key
            if not in_list:
                continue
            item = _ITEM.match(line)
            value = _scalar(item.group(1)) if item else None
            if value is None:
                return None
            found.append(value)  # type: ignore[union-attr]  # in_list: found is a list
            continue
        in_list = False
        key = _KEY.match(line)
        if key is None:
            continue  # another top-level key (catalog, onlyBuiltDependencies, ...)
        if found is not None:
            return None  # the key twice
        rest = _uncomment(key.group(1))
        if not rest:
            found, in_list = [], True
        elif rest.startswith("[") and rest.endswith("]"):
            found = _flow(rest[1:-1])
            if found is None:
                return None
        else:
            return None
    return found or None  # `packages:` with no item (null) or `[]`: older pnpm take every
    # package for a null list (newer ones fail), so never none


def _uncomment(text: str) -> str:
    if "'" in text or '"' in text:
        return text.strip()  # a `#` may be inside quotes: items check themselves
    return _COMMENT.sub("", text).strip()


def _scalar(text: str) -> str | None:
    """A plain or quoted item (a trailing comment dropped), or None."""
    text = text.strip()
    if text[:1] in ("'", '"'):
        quote = text[0]
        end = text.find(quote, 1)
        if end < 0 or (quote == '"' and "\\" in text[1:end]):
            return None
        if quote == "'" and text[end + 1:end + 2] == "'":
            return None  # an escaped quote: rare enough not to read
        tail = text[end + 1:].strip()
        return text[1:end] if not tail or tail.startswith("#") else None
    text = _COMMENT.sub("", text).strip()
    return text if _PLAIN.fullmatch(text) and ": " not in text else None


def _flow(text: str) -> list[str] | None:
    """The items of a one-line flow list, or None."""
    items: list[str] = []
    for part in text.split(","):
        if not part.strip():
            continue
        value = _scalar(part)
        if value is None or "#" in part:
            return None
        items.append(value)
    return items
