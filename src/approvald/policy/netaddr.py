"""Hosts and addresses in URLs and commands, in every spelling a client accepts.

`host_address("0xa9fea9fe")` is 169.254.169.254: like inet_aton, a host may be one to four
numbers in decimal, octal (`0251`) or hex (`0xa9`), the last filling the remaining bytes
(`169.254.43518`, `2852039166`). IPv6 literals count with the IPv4 address they carry
(`::ffff:169.254.169.254`, `::ffff:a9fe:a9fe`, NAT64 `64:ff9b::`, 6to4 `2002::`), and
wildcard-DNS names that embed an address (`169.254.169.254.nip.io`, `a9fea9fe.nip.io`,
`169-254-169-254.sslip.io`) resolve to it.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from approvald.model.lazyre import lazy_compile

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_NUMBER = lazy_compile(r"^(?:0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)$")
_EMBEDDING = ("nip.io", "sslip.io", "xip.io", "traefik.me", "localtest.me", "lvh.me",
              "nip.direct")
_URL_IN_TEXT = lazy_compile(r"\b(?:https?|ftp|wss?|file|gopher|dict)://[^\s'\"<>`)]+",
                          re.IGNORECASE)


def _number(text: str) -> int | None:
    if not _NUMBER.match(text):
        return None
    if text[:2].lower() == "0x":
        return int(text[2:] or "0", 16)
    if len(text) > 1 and text[0] == "0":
        return int(text, 8)
    return int(text)


def _ipv4(text: str) -> ipaddress.IPv4Address | None:
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = [_number(part) for part in parts]
    if any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    last = values[-1]
    head = values[:-1]
    if any(v > 255 for v in head) or last >= 256 ** (5 - len(values)):
        return None
    value = 0
    for part in head:
        value = value * 256 + part
    value = value * 256 ** (5 - len(values)) + last
    return ipaddress.IPv4Address(value)


@lru_cache(maxsize=4096)
def host_address(host: str) -> Address | None:
    """The address a host string stands for, however it is spelled; None for a name."""
    text = unquote(host).strip().lower().rstrip(".")
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = text.split("%", 1)[0]  # IPv6 zone
    if not text:
        return None
    if ":" in text:
        try:
            address = ipaddress.IPv6Address(text)
        except ValueError:
            return None
        return _carried(address) or address
    found = _ipv4(text)
    if found is not None:
        return found
    for suffix in _EMBEDDING:
        if text.endswith("." + suffix):
            return _embedded(text[: -len(suffix) - 1])
    return None


def _carried(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    packed = address.packed
    if packed[:12] == b"\0" * 12 and packed[12:] != b"\0\0\0\0" and packed[12:] != b"\0\0\0\1":
        return ipaddress.IPv4Address(packed[12:])  # IPv4-compatible ::a.b.c.d
    if packed[:12] == bytes.fromhex("0064ff9b0000000000000000"):
        return ipaddress.IPv4Address(packed[12:])  # NAT64 64:ff9b::/96
    return None


def _embedded(label: str) -> Address | None:
    """`169.254.169.254`, `app.169-254-169-254`, `a9fea9fe` before a wildcard-DNS suffix."""
    for candidate in (label, label.rsplit(".", 4)[-1] if label.count(".") > 3 else label):
        found = _ipv4(candidate) if candidate.count(".") == 3 else None
        if found is not None:
            return found
    last = label.rsplit(".", 1)[-1]
    dashed = last.replace("-", ".")
    if dashed.count(".") == 3:
        found = _ipv4(dashed)
        if found is not None:
            return found
    if re.fullmatch(r"[0-9a-f]{8}", last):
        return ipaddress.IPv4Address(int(last, 16))
    tail = ".".join(label.split(".")[-4:])
    return _ipv4(tail) if tail.count(".") == 3 else None


def url_parts(url: str) -> tuple[str, str, str] | None:
    """(scheme, host, path) of a URL; a bare `host[:port]/path` counts as http."""
    text = url.strip()
    if "://" not in text:
        if not text or text.startswith(("-", "/", ".")):
            return None
        text = "http://" + text
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
    except ValueError:
        return None
    if not host and parts.scheme != "file":
        netloc = parts.netloc.rsplit("@", 1)[-1]
        host = netloc.split(":", 1)[0].lower()
    return parts.scheme.lower(), host.lower().rstrip("."), parts.path or "/"


def urls_in(text: str) -> list[str]:
    return _URL_IN_TEXT.findall(text)


def in_networks(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def parse_networks(items: list[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in items)
