"""The wire contract between the daemon and everyone who talks to it.

`protocol` (routes, headers, the TCP proofs), `endpoint` (where the daemon listens, computed with
`os` alone), `errors` (the one error tree every client raises), `transport` (a minimal HTTP/1.1
client over a Unix socket or loopback TCP: the hook's), `client` (the synchronous client: the CLI)
and `aclient` (the asynchronous client: the dashboard and the MCP gateway). docs/API.md
describes the API itself.
"""
