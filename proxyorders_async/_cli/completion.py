"""Shell completion of ``proxyorders`` for bash, zsh and fish, from the argparse parser itself.

``proxyorders completion SHELL`` prints a short script that the shell loads once. On each Tab it
runs ``proxyorders __complete WORD...`` (the words typed so far, the last one being completed),
which walks the same parser that parses the command line and prints one candidate per line:
commands, actions, options, the choices of an option or argument, or ``:files`` when a file
name is expected. Commands added to the parser later are completed with no change here, and no
completion package is needed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["FILES", "SHELLS", "candidates", "complete_main", "script"]

FILES = ":files"
"""Printed instead of candidates when a file name is expected; the shell completes paths."""
FILE_METAVARS = frozenset({"FILE", "PATH"})

_BASH = """\
# bash completion for proxyorders; load it with: source <(proxyorders completion bash)
_proxyorders_complete() {
    local cur="${COMP_WORDS[COMP_CWORD]}" IFS=$'\\n'
    local -a found
    found=($("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
    if [[ "${found[0]}" == ":files" ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
    else
        COMPREPLY=($(compgen -W "${found[*]}" -- "$cur"))
    fi
}
complete -o filenames -F _proxyorders_complete proxyorders
"""

_ZSH = """\
#compdef proxyorders
# zsh completion for proxyorders; load it (after compinit) with:
#   source <(proxyorders completion zsh)
_proxyorders() {
    local -a found
    found=("${(@f)$("${words[1]}" __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    found=(${found:#})
    if [[ "${found[1]}" == ":files" ]]; then
        _files
    else
        compadd -a found
    fi
}
compdef _proxyorders proxyorders
"""

_FISH = """\
# fish completion for proxyorders; load it with:
#   proxyorders completion fish > ~/.config/fish/completions/proxyorders.fish
function __proxyorders_complete
    set -l found (proxyorders __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)
    if test "$found[1]" = ":files"
        __fish_complete_path (commandline -ct)
    else
        printf '%s\\n' $found
    end
end
complete -c proxyorders -f -a '(__proxyorders_complete)'
"""

SHELLS = {"bash": _BASH, "zsh": _ZSH, "fish": _FISH}


def script(shell: str) -> str:
    """The completion script of ``shell`` (one of :data:`SHELLS`)."""
    return SHELLS[shell]


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {flag: action for action in parser._actions for flag in action.option_strings}


def _positionals(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [
        action
        for action in parser._actions
        if not action.option_strings and not isinstance(action, argparse._SubParsersAction)
    ]


def _values(action: argparse.Action | None) -> list[str]:
    if action is None:
        return []
    if action.choices is not None:
        return [str(choice) for choice in action.choices]
    return [FILES] if action.metavar in FILE_METAVARS else []


def candidates(parser: argparse.ArgumentParser, words: Sequence[str]) -> list[str]:
    """What may come next after ``words`` (the last word is the one being completed)."""
    *done, current = list(words) or [""]
    node, pending, position = parser, False, 0
    for word in done:
        if pending:  # the value of the option before it
            pending = False
        elif word.startswith("-"):
            action = _options(node).get(word.partition("=")[0])
            pending = action is not None and action.nargs != 0 and "=" not in word
        elif word in _subcommands(node):
            node, position = _subcommands(node)[word], 0
        elif _subcommands(node):
            return []  # not a command: nothing sensible follows it
        else:
            position += 1
    if pending:
        found = _values(_options(node).get(done[-1]))
    elif current.startswith("-"):
        found = sorted(flag for flag in _options(node) if flag.startswith("--") or flag == "-h")
    elif _subcommands(node):
        found = list(_subcommands(node))
    else:
        positionals = _positionals(node)
        found = _values(positionals[position]) if position < len(positionals) else []
    if found == [FILES]:
        return found
    return [item for item in found if item.startswith(current)]


def complete_main(parser: argparse.ArgumentParser, words: Sequence[str]) -> int:
    """``proxyorders __complete WORD...``: print the candidates, one per line."""
    for item in candidates(parser, words):
        sys.stdout.write(item + "\n")
    return 0
