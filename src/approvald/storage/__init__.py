"""The one SQLite file: its connection and migrations (`database`), the approvals table
(`approvals`) and the credential tables (`leases`). Standard library only."""
