"""The one SQLite file: its connection and migrations (`database`), the approvals table
(`approvals`), the credential tables (`leases`) and the MCP tool pins (`pins`). Standard
library only."""
