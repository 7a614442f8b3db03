"""`approvald hook AGENT`: read the agent's payload, ask the daemon, answer in the agent's format.

`runner` is the same for every agent (input cap, dialing, the local fallback); the agent's
module (`approvald.agents`) knows its payload and its answer. Standard library only on the
daemon path (a test spawns the hook and checks `sys.modules`); the policy engine is imported
only by `local`, when no daemon answers.
"""
