"""The hook's fast entry: what `approvald install` writes into every agent's settings.

    /path/to/python -I -S /path/to/approvald/hook/entry.py hook AGENT [EVENT]

`-I -S` start the interpreter without `site` (no site-packages scan, no `.pth` files) and
without the environment (`PYTHONPATH` and friends cannot redirect the hook). The package root
is found from this file's own path and appended to `sys.path`, after the standard library,
which it therefore cannot shadow. The pre-tool decision's daemon path imports nothing else but
approvald's hook modules (`approvald.hook.fast`); when no daemon answers, the local check runs
`site.main()` first, since the policy engine needs the installed dependencies. An EVENT (one of
the agent's hook events besides the pre-tool decision) goes straight to the full runner
(`approvald.hook.runner.main`), which answers it exactly as `approvald hook AGENT EVENT` does.

Every failure, approvald itself not loading included, exits 2 with the reason on stderr: every
agent reads that as a block. The process ends with `os._exit` once its answer is flushed:
there is nothing left to finalize, and finalizing costs milliseconds on every tool call.
"""

import os
import sys

USAGE = ("usage: python -I -S entry.py hook AGENT [EVENT]  (reads the agent's hook payload on "
         "stdin)")
# Events whose fail-closed answer is not exit 2 but ending the turn (docs/HOOKS.md): exit 2
# after a tool has run only shows the reason, and the tool's output would reach the model
# unchecked. Kept here because approvald itself may be what cannot load.
STOP_EVENTS = ("PostToolUse", "PostToolUseFailure")


def _block(message: str) -> None:
    """Exit 2 with `message` on stderr: a block for every agent."""
    try:
        sys.stderr.write(f"approvald: {message}\n")
        sys.stderr.flush()
    finally:
        os._exit(2)


def _stop(message: str) -> None:
    """End the agent's turn (`{"continue": false}`, exit 0): the fail-closed answer of the
    events in STOP_EVENTS; exit 2 when even that cannot be printed."""
    import json

    try:
        sys.stdout.write(json.dumps({"continue": False, "stopReason": f"approvald: {message}"},
                                    ensure_ascii=False) + "\n")
        sys.stdout.flush()
    except BaseException:
        _block(message)
    os._exit(0)


def _run(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or argv[0] != "hook":
        _block(f"the hook was started with {argv!r}\n{USAGE}")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if root not in sys.path:
        sys.path.append(root)
    try:
        if len(argv) == 3:  # another hook event: the full runner answers it
            from approvald.hook.runner import main as full_runner
        else:
            from approvald.hook.fast import run
    except BaseException as exc:  # a broken or moved install: block, and say how to mend it
        why = (f"the hook cannot load approvald from {root} ({type(exc).__name__}: {exc}); "
               f"run `approvald install {argv[1]}` again, so this is blocked")
        if argv[2:] and argv[2] in STOP_EVENTS:
            _stop(why)
        _block(why)
    code: int = full_runner(argv[1], argv[2]) if len(argv) == 3 else run(argv[1])
    return code


def main(argv: list[str]) -> None:
    """Run the hook for `argv` (`hook AGENT [EVENT]`) and end the process with its exit code (a
    frozen build's entry calls this too)."""
    try:
        exit_code = _run(argv)
        sys.stdout.flush()
    except BaseException as exc:  # never fail open, not even here
        why = f"the hook failed ({type(exc).__name__}: {exc}), so this is blocked"
        if argv[2:] and argv[2] in STOP_EVENTS:
            _stop(why)
        _block(why)
    os._exit(exit_code)


if __name__ == "__main__":
    main(sys.argv[1:])
