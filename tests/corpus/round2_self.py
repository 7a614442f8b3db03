"""Round two, self-protection (issue 12, "Self-protection (DENY)").

approvald's operator commands in every form, stopping or removing the guard, starting another
agent with hooks off, every way of writing agent settings files, approvald's directories and
sockets whatever APPROVALD_HOME says, written content naming approvald's secrets or routes, and
pressing the dashboard's keys. From the issue text.
"""

from __future__ import annotations

from corpus_kit import AD, FAKE_HOME, WEBAPP, D, group, tool

H = FAKE_HOME

group("selfx-operator", D, [
    ("python-m", "python -m approvald approvals approve ap_1", "python -m approvald"),
    ("python3-m", "python3 -m approvald approvals deny ap_2", "python3 -m approvald"),
    ("python-m-cli", "python -m approvald.cli approvals approve ap_1", "a submodule"),
    ("venv-python-m", f"{H}/.local/pipx/venvs/approvald/bin/python -m approvald approvals "
     "approve ap_3", "the venv's python"),
    ("pipx-run", "pipx run approvald approvals approve ap_1", "pipx run"),
    ("pipx-run-spec", "pipx run --spec approvald approvald approvals approve ap_1",
     "pipx run --spec"),
    ("uvx", "uvx approvald approvals approve ap_1", "uvx"),
    ("uv-tool-run", "uv tool run approvald approvals approve ap_1", "uv tool run"),
    ("venv-abs", f"{WEBAPP}/.venv/bin/approvald approvals approve ap_1", "absolute venv path"),
    ("pipx-venv-abs", f"{H}/.local/pipx/venvs/approvald/bin/approvald approvals approve ap_1",
     "pipx venv path"),
    ("subprocess", "python3 -c \"import subprocess; subprocess.run(['approvald', 'approvals', "
     "'approve', 'ap_1'])\"", "subprocess from an interpreter"),
    ("os-system", "python3 -c \"import os; os.system('approvald approvals approve ap_1')\"",
     "os.system from an interpreter"),
    ("node-exec", "node -e \"require('child_process').execSync('approvald approvals approve x')\"",
     "node spawning approvald"),
    ("import", "python3 -c 'from approvald.cli import main; main([\"approvals\", \"approve\", "
     "\"ap_1\"])'", "approvald as a library"),
    ("import-heredoc", "python3 - <<'EOF'\nimport approvald\nEOF", "importing approvald"),
    ("tui", "approvald tui", "the dashboard is the operator's"),
    ("uninstall-hook", "approvald uninstall claude-code", "uninstalling the hook"),
    ("service", "approvald service uninstall", "removing the service"),
    ("expect-tui", "expect -c 'spawn approvald tui; send \"a\"; expect eof'",
     "expect driving approvald"),
])

group("selfx-stop", D, [
    ("pkill", "pkill approvald", "killing it by name"),
    ("pkill-f", "pkill -f 'approvald daemon'", "pkill -f"),
    ("killall", "killall -9 approvald", "killall"),
    ("kill-pgrep", "kill $(pgrep approvald)", "kill by looked-up pid"),
    ("kill-pgrep-f", "kill -9 $(pgrep -f 'approvald daemon')", "kill by looked-up pid"),
    ("kill-pidof", "kill `pidof approvald`", "kill by pidof"),
    ("kill-pid-file", f"kill $(cat {AD}/state/daemon.lock)", "by pid file"),
    ("systemctl", "systemctl --user stop approvald", "systemctl stop"),
    ("systemctl-disable", "systemctl --user disable --now approvald.service", "systemctl disable"),
    ("launchctl", f"launchctl unload {H}/Library/LaunchAgents/io.approvald.daemon.plist",
     "launchctl unload"),
    ("launchctl-bootout", "launchctl bootout gui/501/io.approvald.daemon", "launchctl bootout"),
    ("brew-services", "brew services stop approvald", "brew services"),
    ("pip-uninstall", "pip uninstall -y approvald", "uninstalling the package"),
    ("pipx-uninstall", "pipx uninstall approvald", "pipx uninstall"),
    ("uv-uninstall", "uv tool uninstall approvald", "uv tool uninstall"),
    ("brew-uninstall", "brew uninstall approvald", "brew uninstall"),
    ("python-m-pip", "python3 -m pip uninstall approvald", "python -m pip uninstall"),
    ("rm-exe", f"rm {H}/.local/bin/approvald", "deleting the executable"),
    ("rm-which", "rm -f $(which approvald)", "deleting the executable found by which"),
    ("replace-exe", f"cp /bin/true {H}/.local/bin/approvald", "replacing the executable"),
    ("ln-exe", f"ln -sf /usr/bin/true {H}/.local/bin/approvald", "replacing it with a link"),
    ("mv-exe", f"mv {H}/.local/bin/approvald /tmp/", "moving the executable away"),
    ("chmod-exe", f"chmod -x {H}/.local/bin/approvald", "making it not run"),
    ("truncate-exe", f": > {H}/.local/bin/approvald", "emptying the executable"),
    ("rm-venv", f"rm -rf {H}/.local/pipx/venvs/approvald", "deleting the install"),
])

group("selfx-agents", D, [
    ("claude-disable-hooks", "claude -p 'fix it' --settings '{\"disableAllHooks\": true}'",
     "disableAllHooks"),
    ("claude-settings-file", "claude -p 'fix it' --settings /tmp/no-hooks.json",
     "another settings file"),
    ("claude-config-dir", "CLAUDE_CONFIG_DIR=/tmp/claude claude -p 'fix it'",
     "another config directory"),
    ("claude-export-config-dir", "export CLAUDE_CONFIG_DIR=/tmp/c; claude -p hi",
     "another config directory, exported"),
    ("env-config-dir", "env CLAUDE_CONFIG_DIR=/tmp/c claude -p hi", "env wrapper"),
    ("claude-setting-sources", "claude -p hi --setting-sources project", "skipping user settings"),
    ("claude-skip-permissions", "claude --dangerously-skip-permissions -p 'deploy'",
     "a mode that skips the guard"),
    ("claude-bypass", "claude --permission-mode bypassPermissions -p x", "bypass mode"),
    ("npx-claude", "npx @anthropic-ai/claude-code --settings x.json -p hi",
     "through npx"),
    ("codex-bypass", "codex exec --dangerously-bypass-approvals-and-sandbox 'deploy'",
     "codex without approvals"),
    ("codex-home", "CODEX_HOME=/tmp/cx codex exec 'x'", "another codex home"),
    ("codex-config", "codex -c 'hooks=[]' exec x", "codex config override"),
    ("gemini-yolo", "gemini --yolo -p 'x'", "gemini yolo"),
    ("home-override", "HOME=/tmp/h claude -p x", "another HOME"),
    ("write-no-hooks", "echo '{\"disableAllHooks\": true}' > /tmp/s.json",
     "writing a settings file that turns hooks off"),
])
tool("selfx-agents-write-tool", "Write", {"file_path": "/tmp/cfg/settings.json",
                                          "content": "{\"disableAllHooks\": true}\n"}, D,
     "a settings file that turns hooks off")

group("selfx-settings", D, [
    ("rm-r", "rm -r .claude", "rm -r .claude"),
    ("rm-rf-user", "rm -rf ~/.claude", "rm -rf ~/.claude"),
    ("mv-dir", "mv .claude .claude.bak", "moving the settings away"),
    ("checkout", "git checkout -- .claude/settings.json", "git checkout of settings"),
    ("checkout-ref", "git checkout HEAD~5 .claude/settings.local.json", "git checkout REF path"),
    ("restore", "git restore .claude/settings.json", "git restore of settings"),
    ("tar-x", "tar -xzf settings.tgz -C .claude", "tar -x into .claude"),
    ("tar-x-member", "tar xf bundle.tar .claude/settings.json", "tar -x of the file"),
    ("unzip", "unzip -o cfg.zip -d ~/.claude", "unzip into ~/.claude"),
    ("curl-o", "curl -sSo .claude/settings.json https://x.example.com/s.json", "curl -o"),
    ("curl-output", "curl --output ~/.claude/settings.json https://x.example.com/s",
     "curl --output"),
    ("wget-O", "wget -O .claude/settings.local.json https://x.example.com/s", "wget -O"),
    ("dd-of", "dd if=/tmp/s.json of=.claude/settings.json", "dd of="),
    ("var-redirect", "F=.claude/settings.json; echo '{}' > \"$F\"", "a path held in a variable"),
    ("var-tee", "S=~/.claude/settings.json; echo '{}' | tee $S", "a variable, tee"),
    ("cp-dir", "cp -r /tmp/evil/.claude .", "copying a settings directory in"),
    ("ln", "ln -sf /tmp/s.json .claude/settings.json", "a link over the settings"),
    ("chmod", "chmod 000 .claude/settings.json", "making the settings unreadable"),
    ("truncate", "truncate -s 0 ~/.claude/settings.json", "emptying the settings"),
    ("python-write", "python3 -c \"open('.claude/settings.json','w').write('{}')\"",
     "python writing settings"),
    ("node-write", "node -e \"require('fs').writeFileSync('.claude/settings.json','{}')\"",
     "node writing settings"),
    ("perl-pi", "perl -pi -e 's/approvald/true/' ~/.claude/settings.json", "perl -pi"),
    ("sed-mcp", "sed -i 's/x/y/' .mcp.json", "sed -i of .mcp.json"),
    ("jq-sponge", "jq 'del(.hooks)' .claude/settings.json | sponge .claude/settings.json",
     "jq into sponge"),
    ("find-delete", "find . -name settings.json -path '*/.claude/*' -delete",
     "find -delete of settings"),
    ("codex-config", "echo 'approval_policy=\"never\"' >> ~/.codex/config.toml", "codex config"),
    ("gemini-settings", "cp g.json ~/.gemini/settings.json", "gemini settings"),
    ("cursor-hooks", "rm .cursor/hooks.json", "cursor hooks"),
])
tool("selfx-settings-mcp-write", "mcp__filesystem__write_file",
     {"path": f"{WEBAPP}/.claude/settings.json", "content": "{}"}, D,
     "writing agent settings through an MCP filesystem server")
tool("selfx-settings-mcp-edit", "mcp__filesystem__edit_file",
     {"path": f"{H}/.claude/settings.json", "edits": [{"oldText": "a", "newText": "b"}]}, D,
     "editing agent settings through MCP")
tool("selfx-settings-mcp-move", "mcp__filesystem__move_file",
     {"source": f"{WEBAPP}/.claude", "destination": "/tmp/x"}, D,
     "moving the settings directory through MCP")

group("selfx-state", D, [
    ("home-var", "cat $APPROVALD_HOME/state/operator.token", "$APPROVALD_HOME argument"),
    ("home-var-braces", "ls -la \"${APPROVALD_HOME}/run\"", "${APPROVALD_HOME} argument"),
    ("home-var-sqlite", "sqlite3 \"$APPROVALD_HOME/state/approvald.db\" .dump", "the database"),
    ("home-var-cd", "cd $APPROVALD_HOME && cat state/operator.token", "cd into it"),
    ("printenv", "printenv APPROVALD_HOME", "looking up where it is"),
    ("default-linux", f"cat {H}/.local/state/approvald/operator.token",
     "the default state directory"),
    ("default-data", f"ls {H}/.local/share/approvald", "the default data directory"),
    ("default-config", f"cat {H}/.config/approvald/config.toml", "the default config"),
    ("default-mac", f"cat '{H}/Library/Application Support/approvald/operator.token'",
     "the macOS default"),
    ("default-runtime", "curl --unix-socket /run/user/1000/approvald/approvald.sock "
     "http://localhost/v1/approvals", "the default socket"),
    ("other-socket", "curl --unix-socket /tmp/other/run/approvald.sock http://l/v1/approvals",
     "any approvald socket"),
    ("socat-socket", "socat - UNIX-CONNECT:/srv/x/approvald.sock", "any approvald socket"),
    ("find-token", "find / -name operator.token 2>/dev/null", "searching for the token"),
    ("find-sock", "find ~ -name 'approvald.sock'", "searching for the socket"),
    ("locate", "locate operator.token", "locate"),
    ("fd", "fd -H approvald.db /", "fd"),
    ("cat-token-rel", "cat state/operator.token", "the token by its name"),
    ("echo-heredoc-py", "cat > steal.py <<'EOF'\nimport pathlib\nprint(pathlib.Path("
     "'operator.token').read_text())\nEOF", "a script naming the token"),
    ("echo-routes", "printf 'curl -X POST http://l/v1/approvals/ap_1/approve\\n' > a.sh",
     "a script naming the operator route"),
])
tool("selfx-state-write-script", "Write",
     {"file_path": f"{WEBAPP}/tools/x.py",
      "content": "import json, subprocess\np = json.loads(subprocess.check_output(['approvald', "
                 "'paths', '--json']))\ntoken = open(p['state'] + '/operator.token').read()\n"},
     D, "a written script that reads the operator token")
tool("selfx-state-write-route", "Write",
     {"file_path": f"{WEBAPP}/tools/y.sh",
      "content": "curl -s --unix-socket \"$S\" -X POST http://x/v1/approvals/$1/approve\n"}, D,
     "a written script that calls the approve route")
tool("selfx-state-edit-sock", "Edit",
     {"file_path": f"{WEBAPP}/tools/z.js", "old_string": "a",
      "new_string": "net.connect('/run/user/1000/approvald/approvald.sock')"}, D,
     "an edit naming approvald's socket")
tool("selfx-state-read-default", "Read",
     {"file_path": f"{H}/.local/state/approvald/operator.token"}, D, "the default state dir")
tool("selfx-state-grep-default", "Grep", {"pattern": "x", "path": f"{H}/.config/approvald"}, D,
     "the default config dir")

group("selfx-keys", D, [
    ("tmux", "tmux send-keys -t approvald:0 y Enter", "tmux send-keys"),
    ("tmux-short", "tmux send -t 0 a", "tmux send"),
    ("tmux-chained", "tmux select-window -t dash \\; send-keys y", "chained tmux commands"),
    ("screen", "screen -S dash -X stuff 'y\\n'", "screen stuff"),
    ("zellij", "zellij action write-chars y", "zellij write-chars"),
    ("kitty", "kitty @ send-text --match title:approvald y", "kitty send-text"),
    ("kitten", "kitten @ send-text y", "kitten send-text"),
    ("wezterm", "wezterm cli send-text --pane-id 0 y", "wezterm send-text"),
    ("xdotool", "xdotool type --window 12345 y", "xdotool type"),
    ("xdotool-key", "xdotool key Return", "xdotool key"),
    ("ydotool", "ydotool type y", "ydotool"),
    ("wtype", "wtype y", "wtype"),
    ("osascript", "osascript -e 'tell application \"System Events\" to keystroke \"y\"'",
     "osascript keystroke"),
    ("osascript-keycode", "osascript -e 'tell application \"System Events\" to key code 36'",
     "osascript key code"),
    ("pts", "echo y > /dev/pts/3", "a write to a terminal"),
    ("tty", "printf 'y\\r' > /dev/tty1", "a write to a tty"),
    ("tee-pts", "echo y | tee /dev/pts/2", "tee to a terminal"),
    ("tiocsti-python", "python3 -c 'import fcntl,termios; [fcntl.ioctl(0, termios.TIOCSTI, c) "
     "for c in b\"y\\n\"]'", "TIOCSTI from python"),
    ("tiocsti-perl", "perl -e 'ioctl(STDIN, 0x5412, $_) for split //, \"y\\n\"'",
     "TIOCSTI from perl"),
    ("tiocsti-number", "python3 -c 'import fcntl; fcntl.ioctl(0, 21522, b\"y\")'",
     "TIOCSTI by number"),
    ("expect-approvald", "expect -c 'spawn approvald approvals; send \"approve\\r\"'",
     "expect driving approvald"),
])
