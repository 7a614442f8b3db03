"""`approvald demo`: a daemon in a temporary home, the dashboard, and a simulated Claude Code
session whose tool calls go through the real hook (`approvald hook claude-code`)."""
