"""What tests share: fakes, builders of real payloads, and drivers of real processes.

One place for everything more than one test module uses (no test module imports another):
`daemon` (a real daemon process, an in-process daemon context), `payloads` (agent payloads),
`doctor` (a machine of agent configs), `tui` (the dashboard's fakes), `packaging` (repository
files).
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
