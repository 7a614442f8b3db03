"""The daemon's log: a rotating file under paths.log plus stderr, secrets redacted."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from approvald.redaction import redact_text

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 3
# Loggers whose records we keep (the daemon serves HTTP itself: daemon/httpserver.py).
LOGGERS = ("approvald",)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact_text(super().format(record))


def setup_logging(log_file: Path, level: int = logging.INFO, stderr: bool = True) -> list[
        logging.Handler]:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    formatter = RedactingFormatter(FORMAT)
    handlers: list[logging.Handler] = [logging.handlers.RotatingFileHandler(
        log_file, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")]
    if stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(formatter)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        for handler in handlers:
            logger.addHandler(handler)
        logger.propagate = False
    return handlers


def teardown_logging(handlers: list[logging.Handler]) -> None:
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for handler in handlers:
            logger.removeHandler(handler)
    for handler in handlers:
        handler.close()
