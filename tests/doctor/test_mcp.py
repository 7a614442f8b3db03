from __future__ import annotations

from typing import Any

import pytest

from approvald.doctor.mcp import classify_server, server_identity


def npx(*args: str) -> dict[str, Any]:
    return {"command": "npx", "args": list(args)}


@pytest.mark.parametrize(
    ("name", "spec", "kind", "severity"),
    [
        ("fs", npx("-y", "@modelcontextprotocol/server-filesystem", "/src"), "filesystem",
         "medium"),
        ("x", npx("-y", "@modelcontextprotocol/server-shell"), "shell", "high"),
        ("x", npx("-y", "@modelcontextprotocol/server-commands"), "shell", "high"),
        ("x", npx("-y", "@wonderwhy-er/desktop-commander@latest"), "shell", "high"),
        ("x", npx("-y", "mcp-server-commands"), "shell", "high"),
        ("x", {"command": "uvx", "args": ["mcp-shell-server"]}, "shell", "high"),
        ("x", {"command": "npx", "args": ["--yes", "--package=foo", "iterm-mcp"]}, "shell",
         "high"),
        ("x", {"command": "uvx", "args": ["mcp-server-git", "--repository", "."]}, "git",
         "medium"),
        ("x", npx("-y", "@modelcontextprotocol/server-github"), "git", "medium"),
        ("x", {"command": "uvx", "args": ["mcp-server-fetch"]}, "network", "medium"),
        ("x", npx("-y", "@modelcontextprotocol/server-puppeteer"), "network", "medium"),
        ("x", npx("@playwright/mcp@latest"), "network", "medium"),
        ("x", {"command": "uvx", "args": ["awslabs.aws-api-mcp-server@latest"]}, "cloud",
         "medium"),
        ("x", npx("-y", "@google-cloud/gcloud-mcp"), "cloud", "medium"),
        ("x", npx("-y", "@azure/mcp@latest", "server", "start"), "cloud", "medium"),
        ("x", npx("-y", "mcp-server-kubernetes"), "cloud", "medium"),
        ("x", {"command": "docker", "args": ["run", "-i", "--rm", "-e", "TFE_TOKEN",
                                             "hashicorp/terraform-mcp-server"]}, "cloud",
         "medium"),
        ("x", {"command": "uvx", "args": ["mcp-server-docker"]}, "docker", "high"),
        ("x", {"command": "docker", "args": ["run", "-i", "--rm", "-v", "/:/host",
                                             "mcp/filesystem", "/host"]}, "filesystem",
         "medium"),
        ("x", {"command": "cmd", "args": ["/c", "npx", "-y",
                                          "@modelcontextprotocol/server-filesystem"]},
         "filesystem", "medium"),
        ("x", {"command": "npx -y mcp-server-commands"}, "shell", "high"),
        ("x", {"command": "C:\\tools\\desktop-commander.exe"}, "shell", "high"),
        ("x", {"command": "node", "args": ["/opt/terminal-mcp/dist/index.js"]}, "shell",
         "high"),
        ("shell", {"command": "/opt/bin/my-server"}, "shell", "high"),  # by name only
    ],
)
def test_raw_servers_are_recognised(name: str, spec: dict[str, Any], kind: str,
                                    severity: str) -> None:
    hit = classify_server(name, spec)
    assert hit is not None, spec
    assert (hit[0].kind, hit[0].severity) == (kind, severity)


@pytest.mark.parametrize(
    "spec",
    [
        npx("-y", "@upstash/context7-mcp@latest"),
        {"type": "http", "url": "https://docs.example.com/mcp"},
        {"command": "approvald", "args": ["mcp-proxy", "--", "npx", "server-filesystem"]},
        {"command": "uvx", "args": ["approvald", "mcp-proxy"]},
        {},
        {"command": 42, "args": "nope"},
    ],
)
def test_other_servers_are_not_flagged(spec: dict[str, Any]) -> None:
    assert classify_server("notes", spec) is None


def test_identity_strips_versions_and_options() -> None:
    assert server_identity(npx("-y", "@scope/pkg@1.2.3"))[0] == "@scope/pkg"
    assert server_identity({"command": "uvx", "args": ["--from", "git+x", "tool==1.0"]})[0] == (
        "tool"
    )
    assert server_identity({"command": "docker", "args": ["run", "--name", "n", "-p", "1:1",
                                                          "img:tag"]})[0] == "img:tag"
