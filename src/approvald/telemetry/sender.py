"""One POST of an encoded batch to the collector, and what its answer means.

OTLP/HTTP: `POST <logs URL>` with `Content-Type: application/x-protobuf`, gzip when asked.
2xx is success (its body may report records the collector rejected: a partial success);
429, 502, 503 and 504, a timeout or a connection that fails are transient (retry, after the
server's Retry-After when it gives one); any other answer refuses the batch for good.
"""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass

import httpx

from approvald import __version__
from approvald.telemetry.config import ExportConfig
from approvald.telemetry.otlp import CONTENT_TYPE, rejected

RETRYABLE = frozenset({429, 502, 503, 504})
INITIAL_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0


@dataclass(frozen=True)
class Outcome:
    sent: int  # records the collector took
    rejected: int = 0  # records it refused (partial success, or a refused batch)
    retry: bool = False  # transient: the same batch may be sent again
    error: str | None = None
    retry_after: float | None = None  # seconds the server asked us to wait

    @property
    def ok(self) -> bool:
        return self.error is None


def backoff_s(attempt: int, initial: float = INITIAL_BACKOFF_S,
              ceiling: float = MAX_BACKOFF_S) -> float:
    """How long to wait before retry number `attempt` (0-based): doubling, capped, jittered
    down to half so that twenty laptops do not retry in step."""
    span = min(ceiling, initial * (2 ** min(attempt, 30)))
    return span * random.uniform(0.5, 1.0)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP date: our own backoff will do
    return min(max(seconds, 0.0), MAX_BACKOFF_S)


class OtlpSender:
    """Posts batches over one kept-alive connection. Used from one thread at a time."""

    def __init__(self, config: ExportConfig):
        self.config = config
        cert = None
        if config.client_certificate and config.client_key:
            cert = (config.client_certificate, config.client_key)
        self._headers = {"User-Agent": f"approvald/{__version__}", **config.headers,
                         "Content-Type": CONTENT_TYPE}
        if config.compression == "gzip":
            self._headers["Content-Encoding"] = "gzip"
        self._client = httpx.Client(timeout=httpx.Timeout(config.timeout_s),
                                    verify=config.certificate or True, cert=cert)

    def send(self, body: bytes, count: int) -> Outcome:
        """POST one encoded batch of `count` records; never raises."""
        data = gzip.compress(body, compresslevel=5) if self.config.compression == "gzip" else body
        where = self.config.shown_url
        try:
            response = self._client.post(self.config.logs_url, content=data,
                                         headers=self._headers)
        except httpx.TimeoutException:
            return Outcome(0, retry=True,
                           error=f"{where} did not answer within {self.config.timeout_s:g} s")
        except httpx.TransportError as exc:
            return Outcome(0, retry=True, error=f"cannot reach {where}: {exc or type(exc)}")
        except Exception as exc:  # a bad URL, a TLS file that does not load: not transient
            return Outcome(0, rejected=count, error=f"cannot send to {where}: {exc}")
        status = response.status_code
        if 200 <= status < 300:
            refused, message = rejected(response.content)
            refused = min(refused, count)
            error = (f"{where} rejected {refused} record(s): {message or 'no reason given'}"
                     if refused else None)
            return Outcome(count - refused, rejected=refused, error=error)
        if status in RETRYABLE:
            return Outcome(0, retry=True, error=f"{where} answered HTTP {status}",
                           retry_after=_retry_after(response))
        return Outcome(0, rejected=count, error=f"{where} refused the batch: HTTP {status}")

    def close(self) -> None:
        self._client.close()
