"""Agent hooks: read the agent's payload, ask the daemon, answer in the agent's format.

Standard library only on this path (a test spawns the hook and checks `sys.modules`).
"""
