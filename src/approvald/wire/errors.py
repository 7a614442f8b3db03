"""The one error tree of every daemon client.

    DaemonError                 anything that kept a request from a good answer
    ├── DaemonUnavailable       no daemon answered: nothing listens, it refused or went away
    │   ├── DaemonTimeout       it did not answer in time
    │   └── UnprovenDaemon      what answered did not prove it is this home's daemon
    ├── ProtocolError           something answered, but not the daemon's HTTP
    └── ApiError                the daemon answered with an error (`status`, `code`)

Standard library only, and cheap: the hook imports it on every tool call.
"""

from __future__ import annotations


class DaemonError(Exception):
    """Base class; the message is one sentence for a person. `status` is the HTTP status
    when the daemon answered one."""

    status: int | None = None
    code: str | None = None


class DaemonUnavailable(DaemonError):
    """No daemon answered: nothing listens, it refused, or it went away mid-request."""


class DaemonTimeout(DaemonUnavailable):
    """The daemon did not answer in time."""


class UnprovenDaemon(DaemonUnavailable):
    """Something answered but did not prove it knows this home's secret (say, a process that
    took a dead daemon's port or socket). Treated as no daemon."""


class ProtocolError(DaemonError):
    """Something answered, but not with HTTP the way the daemon speaks it."""


class ApiError(DaemonError):
    """The daemon refused the request: its HTTP status, its sentence and, where the API gives
    one, a machine-readable `code`."""

    def __init__(self, message: str, status: int, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
