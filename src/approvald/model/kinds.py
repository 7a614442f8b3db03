"""The kinds of action: what an agent's tool call is, whatever the agent calls the tool.

Only names, so that an agent module (on the hook's path) can use them without loading the
action model itself.
"""

PROCESS_EXEC = "process.exec"
FS_READ = "fs.read"
FS_WRITE = "fs.write"
NET_HTTP = "net.http"
MCP_CALL = "mcp.call"
AGENT_TASK = "agent.task"
TOOL_OTHER = "tool.other"
KINDS = (PROCESS_EXEC, FS_READ, FS_WRITE, NET_HTTP, MCP_CALL, AGENT_TASK, TOOL_OTHER)
