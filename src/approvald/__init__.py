"""approvald: the approval companion and local proxy for coding agents.

Kept import-light on purpose: the Claude Code hook imports this package on every tool call.
"""

__version__ = "0.1.0"
