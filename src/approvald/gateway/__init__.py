"""The local MCP gateway: MCP servers an agent reaches only through approvald.

`approvald mcp wrap` puts a stdio MCP server in front of an upstream one (`proxy`, `upstream`,
`wrap`); `approvald mcp serve` offers governed built-in tools (`builtin`). Every tool call is an
action the daemon decides, or the local policy with no daemon (`judge`, `link`); tool
definitions are pinned (`pins`), results capped and redacted (`results`), descriptions and
results scanned for prompt injection (`scan`); the `[gateway]` table of config.toml says how
strict (`config`); `run` is the process around it all.

Importing this package costs nothing: `mcp` (≈0.7 s to import) is loaded only by the modules
that speak the protocol, and only the CLI's `mcp wrap`/`mcp serve` import those.
"""
