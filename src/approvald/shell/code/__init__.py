"""Looking into code handed to interpreters (`python -c`, `perl -e`, `node -e`, ...).

See `scan.py` for what is found and `languages.py` for the per-language tables.
"""

from approvald.shell.code.scan import Findings, Spawn, scan

__all__ = ["Findings", "Spawn", "scan"]
