"""Per-language tables for the code scanner: which calls run commands, evaluate code, delete,
write or read files, and which patterns mark keyring reads, TIOCSTI and reverse shells.

A call kind says how its first argument is read:
- `shell`: a string run through a shell (a list is an argv);
- `argv`: a list is an argv, a string is taken as a command line (erring towards looking);
- `varargs`: every argument is one argv item (`os.execlp`, `create_subprocess_exec`);
- `eval`: literal code in the same language is scanned again, anything else is dynamic;
- `delete` / `delete-tree`: a file or a whole tree is removed (`recursive: true` counts);
- `write` / `read` / `write-second` (copy or move: reads the first, writes the second) / `open`.
To teach the scanner a call, add its name to the language's table.
"""

from __future__ import annotations

import re

from approvald.model.lazyre import lazy_compile


class Language:
    """One language's tables; its regular expressions are compiled on first use."""

    def __init__(self, name: str, kinds: dict[str, str], calls: str,
                 needs: dict[str, str], flags: dict[str, str], named: bool = True) -> None:
        self.name = name
        self.kinds = kinds
        self.named = named  # `calls` names the calls; else any call, checked in `find_call`
        self.dots = max((name.count(".") for name in kinds), default=0)  # most in a name
        self._sources = (calls, needs, flags)
        self._compiled: tuple[re.Pattern[str], dict[str, re.Pattern[str]],
                              dict[str, re.Pattern[str]]] | None = None

    def _compile(self) -> tuple[re.Pattern[str], dict[str, re.Pattern[str]],
                                dict[str, re.Pattern[str]]]:
        if self._compiled is None:
            calls, needs, flags = self._sources
            compiled_flags = {"tty-injection": _TTY}
            compiled_flags.update({k: re.compile(v) for k, v in flags.items()})
            # a call's `needs` is asked only when the code makes that call
            self._compiled = (re.compile(calls), {k: lazy_compile(v) for k, v in needs.items()},
                              compiled_flags)
        return self._compiled

    @property
    def calls(self) -> re.Pattern[str]:
        return self._compile()[0]

    @property
    def needs(self) -> dict[str, re.Pattern[str]]:
        return self._compile()[1]

    @property
    def flags(self) -> dict[str, re.Pattern[str]]:
        return self._compile()[2]

    def find_call(self, code: str, position: int) -> re.Match[str] | None:
        """The first call of the table (or other match of `calls`) at or after `position`."""
        calls = self.calls
        match = calls.search(code, position)
        if self.named:
            return match
        # Any call `a.b.c(` was found: it is the table's when its last part, or its last parts
        # from a dot on, name one, as the alternation of the names would have matched it.
        while match is not None and match.lastgroup == "name":
            parts = match.group("name").rsplit(".", self.dots + 1)[-(self.dots + 1):]
            if any(".".join(parts[index:]) in self.kinds for index in range(len(parts))):
                return match
            match = calls.search(code, match.end())  # (no call of the table starts inside it)
        return match


_SHELL_IO = r"/bin/(?:ba|z|da|k)?sh\b|\b(?:ba)?sh\s+-i\b|cmd\.exe|powershell"
_TTY = lazy_compile(r"TIOCSTI|0x5412\b|\b21522\b|0x80017472|0x80047472")


def _language(name: str, kinds: dict[str, str], *, noparen: bool = False,
              needs: dict[str, str] | None = None, flags: dict[str, str] | None = None,
              extra: str = "") -> Language:
    names = sorted(kinds, key=len, reverse=True)
    # A call: optional dotted owner (`os.`, `require("fs").`), the name, then `(` (or, for
    # languages that allow it, a string, list or variable right after the name).
    after = r"\s*(?=\(|[\"'`\[]|q[qwx]?\s*[^\w\s]|%[qQwWx]?[^\w\s]|\$)" if noparen \
        else r"\s*(?=\()"
    # With `(` after it, a name ends where its dotted identifier does: any call is matched and
    # `find_call` keeps those of the table (an alternation of ~60 names costs ~0.5 ms to
    # compile). Without, a name can end inside one (`system$cmd`): the names are spelt out.
    body = "|".join(re.escape(n) for n in names) if noparen else r"[A-Za-z_$][\w$]*"
    pattern = rf"(?<![\w$])(?P<name>(?:[A-Za-z_$][\w$]*\.)*(?:{body}))" + after
    if extra:
        pattern = f"{pattern}|{extra}"
    return Language(name, kinds, pattern, needs or {}, flags or {}, named=noparen)


PYTHON = _language("python", {
    "system": "shell", "popen": "shell", "getoutput": "shell", "getstatusoutput": "shell",
    "create_subprocess_shell": "shell", "Popen": "argv", "check_output": "argv",
    "check_call": "argv", "subprocess.run": "argv", "subprocess.call": "argv", "run": "argv",
    "call": "argv", "spawn": "argv", "execv": "argv", "execve": "argv", "execvp": "argv",
    "execvpe": "argv", "spawnv": "argv", "spawnve": "argv", "spawnvp": "argv",
    "spawnvpe": "argv", "execl": "varargs", "execle": "varargs", "execlp": "varargs",
    "execlpe": "varargs", "spawnl": "varargs", "spawnlp": "varargs",
    "create_subprocess_exec": "varargs", "exec": "eval", "eval": "eval", "compile": "eval",
    "rmtree": "delete-tree", "os.remove": "delete", "os.unlink": "delete",
    "os.rmdir": "delete", "os.removedirs": "delete", "send2trash": "delete",
    "unlink": "delete-receiver", "rmdir": "delete-receiver", "open": "open",
    "write_text": "write-receiver", "write_bytes": "write-receiver", "touch": "write-receiver",
    "read_text": "read-receiver", "read_bytes": "read-receiver",
    "shutil.copy": "write-second", "shutil.copy2": "write-second",
    "shutil.copyfile": "write-second", "shutil.copytree": "write-second",
    "shutil.move": "write-second", "os.rename": "write-second", "os.replace": "write-second",
    "os.symlink": "write-second", "get_password": "keyring", "get_credential": "keyring",
}, needs={
    "run": r"from\s+subprocess\s+import[^\n]*\brun\b",
    "call": r"from\s+subprocess\s+import[^\n]*\bcall\b",
    "spawn": r"\bpty\b",
    "get_password": r"keyring|secretstorage", "get_credential": r"keyring",
}, flags={
    "socket": r"socket\.socket|create_connection|\bsocket\(",
    "shell-io": _SHELL_IO + r"|dup2|pty\.spawn|fileno\(\)",
    "keyring": r"\bkeyring\.get_|secretstorage|\.get_secret\(",
    "approvald-import": r"\bimport\s+approvald\b|\bfrom\s+approvald\b|"
                        r"(?:__import__|import_module|run_module)\(\s*['\"]approvald",
})

JS = _language("js", {
    "execSync": "shell", "exec": "shell", "execaCommand": "shell", "execaCommandSync": "shell",
    "spawn": "argv", "spawnSync": "argv", "execFile": "argv", "execFileSync": "argv",
    "fork": "argv", "execa": "argv", "execaSync": "argv", "Bun.spawn": "argv",
    "Bun.spawnSync": "argv", "Deno.Command": "deno-command", "Deno.run": "argv",
    "eval": "eval", "Function": "eval", "runInNewContext": "eval", "runInThisContext": "eval",
    "rmSync": "delete", "rm": "delete", "rmdirSync": "delete", "rmdir": "delete",
    "rimraf": "delete-tree", "rimrafSync": "delete-tree", "removeSync": "delete-tree",
    "emptyDirSync": "delete-tree", "unlinkSync": "delete", "unlink": "delete",
    "writeFileSync": "write", "writeFile": "write", "appendFileSync": "write",
    "appendFile": "write", "createWriteStream": "write", "readFileSync": "read",
    "readFile": "read", "createReadStream": "read", "copyFileSync": "write-second",
    "copyFile": "write-second", "renameSync": "write-second", "rename": "write-second",
    "cpSync": "write-second", "symlinkSync": "write-second", "getPassword": "keyring",
    "findCredentials": "keyring", "findPassword": "keyring",
}, needs={
    "exec": r"child_process|shelljs|\bshell\.exec", "spawn": r"child_process|Bun\.|execa",
    "fork": r"child_process", "rm": r"\bfs\b|fs/promises|fs-extra", "rmdir": r"\bfs\b",
    "unlink": r"\bfs\b", "rename": r"\bfs\b", "writeFile": r"\bfs\b", "readFile": r"\bfs\b",
    "getPassword": r"keytar", "findCredentials": r"keytar", "findPassword": r"keytar",
}, flags={
    "socket": r"\bnet\.(?:connect|createConnection|Socket)|require\(\s*['\"](?:node:)?net['\"]",
    "shell-io": _SHELL_IO + r"|\.pipe\(",
    "keyring": r"\bkeytar\b",
}, extra=r"(?<![\w$])(?P<tpl>(?:Bun\.)?\$)(?=`)")

PERL = _language("perl", {
    "system": "shell", "exec": "shell", "readpipe": "shell", "qx": "backtick",
    "eval": "eval", "rmtree": "delete-tree", "remove_tree": "delete-tree",
    "unlink": "delete", "rmdir": "delete", "open": "open", "copy": "write-second",
    "move": "write-second", "rename": "write-second",
}, noparen=True, needs={"copy": r"File::Copy", "move": r"File::Copy"}, flags={
    "socket": r"\bsocket\s*\(|IO::Socket",
    "shell-io": _SHELL_IO + r"|open\s*\(?\s*STD(?:IN|OUT|ERR)\s*,\s*['\"]?[+<>]*&",
}, extra=r"(?P<bt>`)|(?<![\w$])(?P<qx>qx)(?=\s*[^\w\s])")

RUBY = _language("ruby", {
    "system": "shell", "exec": "shell", "spawn": "shell", "popen": "shell",
    "capture2": "shell", "capture2e": "shell", "capture3": "shell", "popen2": "shell",
    "popen3": "shell", "pipeline": "shell", "eval": "eval", "instance_eval": "eval",
    "rm_rf": "delete-tree", "rm_r": "delete-tree", "remove_dir": "delete-tree",
    "remove_entry": "delete-tree", "rm": "delete", "rm_f": "delete", "delete": "delete",
    "unlink": "delete", "write": "write", "binwrite": "write", "open": "open",
    "read": "read", "binread": "read", "readlines": "read", "cp": "write-second",
    "mv": "write-second", "cp_r": "write-second",
}, noparen=True, needs={
    "rm": r"FileUtils", "rm_f": r"FileUtils", "delete": r"File\.delete", "cp": r"FileUtils",
    "mv": r"FileUtils", "cp_r": r"FileUtils", "write": r"File\.write|IO\.write",
    "read": r"File\.read|IO\.read", "open": r"File\.open",
}, flags={
    "socket": r"TCPSocket|UNIXSocket|Socket\.new|Socket\.tcp",
    "shell-io": _SHELL_IO + r"|<&%d|\.to_i",
}, extra=r"(?P<bt>`)|(?P<px>%x)(?=[^\w\s])")

PHP = _language("php", {
    "system": "shell", "exec": "shell", "shell_exec": "shell", "passthru": "shell",
    "popen": "shell", "proc_open": "argv", "pcntl_exec": "argv", "eval": "eval",
    "assert": "eval", "create_function": "eval", "unlink": "delete", "rmdir": "delete",
    "file_put_contents": "write", "fopen": "open", "file_get_contents": "read",
    "readfile": "read", "file": "read", "copy": "write-second", "rename": "write-second",
}, flags={
    "socket": r"fsockopen|socket_create|stream_socket_client",
    "shell-io": _SHELL_IO + r"|<&3",
}, extra=r"(?P<bt>`)")

LUA = _language("lua", {
    "os.execute": "shell", "io.popen": "shell", "os.remove": "delete", "io.open": "open",
    "io.lines": "read", "load": "eval", "loadstring": "eval", "dofile": "read",
}, noparen=True, flags={"socket": r"socket\.(?:tcp|connect)", "shell-io": _SHELL_IO})

R = _language("r", {
    "system": "shell", "shell": "shell", "system2": "argv", "unlink": "delete",
    "file.remove": "delete", "writeLines": "write", "readLines": "read", "eval": "eval",
}, flags={"socket": r"socketConnection|make\.socket", "shell-io": _SHELL_IO})

LANGUAGES: dict[str, Language] = {lang.name: lang for lang in (PYTHON, JS, PERL, RUBY, PHP,
                                                                 LUA, R)}
