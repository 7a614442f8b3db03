"""The approvald daemon: the HTTP API over a Unix socket, approvals, events, policy reload.

`create_app(ctx, extra_routes)` (app.py) and `run_daemon()` (server.py) are the entry points.
"""
