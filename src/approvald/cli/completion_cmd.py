"""`approvald completion bash|zsh|fish`: a completion script for that shell.

The words come from the commands' own parsers (each command module's `parser()`), read when
the script is printed, so the script needs no Python at TAB time. Install it with, e.g.:

  bash:  approvald completion bash > ~/.local/share/bash-completion/completions/approvald
  zsh:   approvald completion zsh > "${fpath[1]}/_approvald"   (then: compinit)
  fish:  approvald completion fish > ~/.config/fish/completions/approvald.fish
"""

from __future__ import annotations

import argparse
import importlib
import shlex
from dataclasses import dataclass, field

from approvald.cli.output import parser_with_examples

SHELLS = ("bash", "zsh", "fish")


@dataclass
class Words:
    """What may follow a command (or one of its subcommands)."""

    help: str = ""
    options: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)  # its first positional's, when fixed
    subcommands: dict[str, Words] = field(default_factory=dict)


def _words_of(parser: argparse.ArgumentParser, text: str = "") -> Words:
    words = Words(help=text)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                words.subcommands[name] = _words_of(sub, helps.get(name, ""))
        elif action.option_strings:
            words.options += [o for o in action.option_strings if o.startswith("--")]
        elif action.choices and not words.choices:
            words.choices = [str(c) for c in action.choices]
    return words


def command_words() -> dict[str, Words]:
    """Every command and what may follow it, from the commands' parsers."""
    from approvald.cli import COMMANDS

    found: dict[str, Words] = {}
    for name, (module_name, text) in COMMANDS.items():
        words = Words(help=text)
        try:
            module = importlib.import_module(f"approvald.cli.{module_name}")
        except ImportError:  # a command this build lacks
            continue
        build = getattr(module, "parser", None)
        if callable(build):
            words = _words_of(build(), text)
        found[name] = words
    return found


def _bash(commands: dict[str, Words]) -> str:
    cases = []
    for name, words in commands.items():
        first = " ".join([*words.subcommands, *words.choices, *words.options])
        subs = "".join(f"            {shlex.quote(sub)}) "
                       f"words={shlex.quote(' '.join(w.options))};;\n"
                       for sub, w in words.subcommands.items())
        later = (f"          case \"$sub\" in\n{subs}            *) words="
                 f"{shlex.quote(' '.join(words.options))};;\n          esac"
                 if words.subcommands else f"          words={shlex.quote(first)}")
        cases.append(f"      {shlex.quote(name)})\n"
                     f"        if [ \"$COMP_CWORD\" -eq 2 ]; then words={shlex.quote(first)}\n"
                     f"        else\n{later}\n        fi;;\n")
    return (
        "# approvald completion for bash: `source <(approvald completion bash)`\n"
        "_approvald() {\n"
        "  local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]} sub=${COMP_WORDS[2]} words\n"
        "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
        f"    words={shlex.quote(' '.join([*commands, '--help', '--version']))}\n"
        "  else\n"
        "    case \"$cmd\" in\n"
        f"{''.join(cases)}"
        "      *) words='';;\n"
        "    esac\n"
        "  fi\n"
        "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
        "}\n"
        "complete -o default -F _approvald approvald\n")


def _zsh_item(name: str, text: str) -> str:
    escaped = name.replace(":", "\\:")
    return shlex.quote(f"{escaped}:{text}")


def _zsh(commands: dict[str, Words]) -> str:
    listed = " ".join(_zsh_item(n, w.help) for n, w in commands.items())
    cases = []
    for name, words in commands.items():
        subs = " ".join(_zsh_item(s, w.help) for s, w in words.subcommands.items())
        first = " ".join(shlex.quote(w) for w in [*words.choices, *words.options])
        inner = "".join(f"          {shlex.quote(s)}) compadd -- "
                        f"{' '.join(shlex.quote(o) for o in w.options)};;\n"
                        for s, w in words.subcommands.items())
        later = (f"        case $words[3] in\n{inner}          *) compadd -- "
                 f"{' '.join(shlex.quote(o) for o in words.options)};;\n        esac"
                 if words.subcommands else f"        compadd -- {first}")
        top = (f"_describe 'subcommand' subs; compadd -- {first}" if words.subcommands
               else f"compadd -- {first}")
        cases.append(f"    {shlex.quote(name)})\n"
                     f"      local -a subs; subs=({subs})\n"
                     f"      if (( CURRENT == 3 )); then {top}\n"
                     f"      else\n{later}\n      fi;;\n")
    return (
        "#compdef approvald\n"
        "# approvald completion for zsh: save as _approvald in a directory of $fpath\n"
        "_approvald() {\n"
        f"  local -a commands; commands=({listed})\n"
        "  if (( CURRENT == 2 )); then _describe 'command' commands; return; fi\n"
        "  case $words[2] in\n"
        f"{''.join(cases)}"
        "    *) _files;;\n"
        "  esac\n"
        "}\n"
        "compdef _approvald approvald\n")


def _fish(commands: dict[str, Words]) -> str:
    lines = ["# approvald completion for fish: save as ~/.config/fish/completions/approvald.fish",
             "complete -c approvald -f"]
    names = " ".join(commands)
    for name, words in commands.items():
        lines.append(f"complete -c approvald -n 'not __fish_seen_subcommand_from {names}' "
                     f"-a {shlex.quote(name)} -d {shlex.quote(words.help)}")
        for sub, sub_words in words.subcommands.items():
            lines.append(f"complete -c approvald -n '__fish_seen_subcommand_from {name}' "
                         f"-a {shlex.quote(sub)} -d {shlex.quote(sub_words.help)}")
            for option in sub_words.options:
                lines.append(f"complete -c approvald -n '__fish_seen_subcommand_from {name}; "
                             f"and __fish_seen_subcommand_from {sub}' -l {option[2:]}")
        for choice in words.choices:
            lines.append(f"complete -c approvald -n '__fish_seen_subcommand_from {name}' "
                         f"-a {shlex.quote(choice)}")
        for option in words.options:
            lines.append(f"complete -c approvald -n '__fish_seen_subcommand_from {name}' "
                         f"-l {option[2:]}")
    return "\n".join(lines) + "\n"


def parser() -> argparse.ArgumentParser:
    parser = parser_with_examples(
        "approvald completion", "print a completion script for your shell",
        "examples:\n"
        "  source <(approvald completion bash)                       try it in this shell\n"
        "  approvald completion bash > ~/.local/share/bash-completion/completions/approvald\n"
        "  approvald completion zsh > \"${fpath[1]}/_approvald\"\n"
        "  approvald completion fish > ~/.config/fish/completions/approvald.fish\n")
    parser.add_argument("shell", choices=SHELLS)
    return parser


def main(argv: list[str]) -> int:
    opts = parser().parse_args(argv)
    render = {"bash": _bash, "zsh": _zsh, "fish": _fish}[opts.shell]
    print(render(command_words()), end="")
    return 0
