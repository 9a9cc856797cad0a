"""Command-line arguments from the runners that invoke a script.

A stage that takes its paths from the command line (``parser.add_argument("out_dir")``, ``sys.argv[1]``)
says nothing of them by itself: the runner that invokes it does (``python prepare.py data/raw data/prep`` in a
shell script, a Makefile recipe, a ``dvc.yaml`` stage's ``cmd``, or, as the last resort, a README's code
block). The extraction leaves such a value symbolic (:class:`~debtscan.facts.values.Arg`) and records the
script's declared arguments (:class:`~debtscan.facts.model.CliArg`); here each invocation's words are bound to
them as argparse would (options by flag, ``--flag=value``, flags without a value, ``nargs``; positionals in
order) and the script's paths are resolved once per invocation: a script run twice with different arguments
gives two sets of paths, not their cross product.

Without an invocation an argument stands for its default, and an argument with literal ``choices`` for each
of them (the default first), as a dataset switch does (:mod:`debtscan.project.variants`). A value a runner
gives is relative to the folder the runner runs the script from; it is rebased onto the folder the script's
own paths are resolved in. README invocations count only for scripts that nothing else runs (added to a runner's, a README's
alternative runs made joins of alternatives look like joins of producers), and the paths only they give are
no exact match (``pattern`` certainty): they say what the authors type, not what a file runs.
A runner in a folder of abandoned work (``deprecated/``, ``old/``: :data:`~debtscan.liveness.DEAD_FOLDERS`)
gives no values.

Cost: O(words) per invocation to bind, O(size of a path value) per I/O fact and invocation, at most
:data:`MAX_INVOCATIONS` distinct invocations per script.
"""
from __future__ import annotations

import posixpath
from dataclasses import replace
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from debtscan.facts.model import Arity, CliArg, FileFacts, IOFact
from debtscan.liveness import DEAD_FOLDERS
from debtscan.facts.values import Arg, Choice, Concat, Format, Lit, PathJoin, PathOp, Seq, Sym, Unknown, Why
from debtscan.project.pipeline.runners import Argv, RunSource, Step
from debtscan.records import record

MAX_INVOCATIONS = 8


@record(frozen=True)
class ArgValues:
    """What one invocation gives a script: ``named`` the argparse destinations bound to their words, ``words``
    the raw words (``sys.argv[1:]``); a word is None where the runner leaves it unknown."""

    named: Tuple[Tuple[str, Argv], ...]
    words: Argv

    def of(self, dest: str) -> Optional[Argv]:
        for name, words in self.named:
            if name == dest:
                return words
        return None


@record(frozen=True)
class Invocation:
    """One run of a script with its words: the folder it runs from, the runner, and how sure that is."""

    script: str
    cwd: str
    values: ArgValues
    runner: str
    line: int
    source: RunSource


def _is_option(word: Optional[str]) -> bool:
    return word is not None and word.startswith("-") and len(word) > 1 and not word[1:2].isdigit()


def bind(cli: Sequence[CliArg], argv: Argv) -> ArgValues:
    """The words of ``argv`` bound to the declared arguments ``cli`` as argparse binds them."""
    by_flag: Dict[str, CliArg] = {flag: arg for arg in cli for flag in arg.flags}
    positionals = sorted((arg for arg in cli if not arg.flags), key=lambda a: a.position)
    named: Dict[str, List[Optional[str]]] = {}
    loose: List[Optional[str]] = []
    index = 0
    while index < len(argv):
        word = argv[index]
        index += 1
        if word == "--":
            loose.extend(argv[index:])
            break
        if not _is_option(word):
            loose.append(word)
            continue
        flag, eq, attached = word.partition("=")
        arg = by_flag.get(flag)
        if arg is None and not flag.startswith("--") and len(flag) > 2 and flag[:2] in by_flag:
            arg, attached, eq = by_flag[flag[:2]], flag[2:], "="  # -odata/out: a short option's value attached
        if arg is None:
            if not eq and index < len(argv) and not _is_option(argv[index]):
                index += 1  # an option the script does not declare: taken with its value
            continue
        if arg.arity is Arity.NONE:
            continue
        if eq:
            named[arg.dest] = [attached]
            continue
        values: List[Optional[str]] = []
        while index < len(argv) and not _is_option(argv[index]) and argv[index] != "--":
            values.append(argv[index])
            index += 1
            if arg.arity is not Arity.MANY:
                break
        if values:
            named[arg.dest] = values
    # positionals in declaration order; one of nargs="+"/"*" takes what the later ones leave
    for number, arg in enumerate(positionals):
        if not loose:
            break
        if arg.arity is Arity.MANY:
            keep = len(positionals) - number - 1
            taken, loose = (loose[:-keep], loose[-keep:]) if keep else (loose, [])
            named[arg.dest] = taken
        else:
            named[arg.dest] = [loose.pop(0)]
    return ArgValues(tuple((dest, tuple(words)) for dest, words in sorted(named.items())), tuple(argv))


def has_args(value: Sym, depth: int = 0) -> bool:
    """Whether a symbolic value holds a command-line argument."""
    if depth > 30:
        return False
    kind = type(value)
    if kind is Arg:
        return True
    if kind in (Concat, PathJoin):
        return any(has_args(p, depth + 1) for p in value.parts)
    if kind is Format:
        return has_args(value.template, depth + 1) or any(has_args(a, depth + 1) for a in value.args + value.kwvalues)
    if kind is PathOp:
        return has_args(value.base, depth + 1) or (value.arg is not None and has_args(value.arg, depth + 1))
    if kind is Choice:
        return any(has_args(o, depth + 1) for o in value.options)
    if kind is Seq:
        return any(has_args(i, depth + 1) for i in value.items)
    return False


def _word(word: Optional[str], rebase: Callable[[str], str]) -> Sym:
    return Lit(rebase(word)) if word is not None else Unknown(Why.ARGUMENT)


def _unbound(value: Arg, cli: Mapping[str, CliArg]) -> Sym:
    """What an argument stands for when no invocation gives it: its default, or each of its choices."""
    declared = cli.get(value.dest) if value.dest else None
    default = value.default
    if declared is not None and declared.choices:
        options: List[Sym] = [default] if default is not None else []
        options.extend(Lit(c) for c in declared.choices
                       if not (isinstance(default, Lit) and default.value == c))
        return options[0] if len(options) == 1 else Choice(tuple(options))
    return default if default is not None else Unknown(Why.ARGUMENT)


def substitute(value: Sym, values: Optional[ArgValues], cli: Mapping[str, CliArg],
               rebase: Callable[[str], str] = lambda word: word, depth: int = 0) -> Sym:
    """``value`` with each :class:`Arg` replaced by what the invocation ``values`` gives it (None: no
    invocation; see :func:`_unbound`)."""
    if depth > 30:
        return value
    kind = type(value)
    if kind is Arg:
        if values is not None:
            if value.dest:
                words = values.of(value.dest)
                if words is not None:
                    items = tuple(_word(w, rebase) for w in words)
                    return items[0] if len(items) == 1 else Choice(items)
            elif 1 <= value.index <= len(values.words):
                return _word(values.words[value.index - 1], rebase)
            elif value.index:
                return Unknown(Why.ARGUMENT)
        return _unbound(value, cli)
    if kind in (Concat, PathJoin):
        return kind(tuple(substitute(p, values, cli, rebase, depth + 1) for p in value.parts))
    if kind is Format:
        return replace(value, template=substitute(value.template, values, cli, rebase, depth + 1),
                       args=tuple(substitute(a, values, cli, rebase, depth + 1) for a in value.args),
                       kwvalues=tuple(substitute(a, values, cli, rebase, depth + 1) for a in value.kwvalues))
    if kind is PathOp:
        arg = substitute(value.arg, values, cli, rebase, depth + 1) if value.arg is not None else None
        return PathOp(value.op, substitute(value.base, values, cli, rebase, depth + 1), arg)
    if kind is Choice:
        return Choice(tuple(substitute(o, values, cli, rebase, depth + 1) for o in value.options))
    if kind is Seq:
        return Seq(tuple(substitute(i, values, cli, rebase, depth + 1) for i in value.items))
    return value


def _rebaser(run_cwd: str, target: str) -> Callable[[str], str]:
    """A runner's word (relative to the folder it runs the script from) as a path relative to ``target``,
    the folder the script's own paths are resolved in."""
    run_cwd = "" if run_cwd in (".", "") else run_cwd
    target = "" if target in (".", "") else target
    if run_cwd == target:
        return lambda word: word

    def rebase(word: str) -> str:
        if not word or word.startswith(("/", "~", "$")) or "://" in word or word.startswith("-"):
            return word
        joined = posixpath.normpath(posixpath.join(run_cwd, word)) if run_cwd else posixpath.normpath(word)
        out = posixpath.relpath(joined, target or ".")
        return out + "/" if word.endswith("/") and not out.endswith("/") else out

    return rebase


def _abandoned(runner: str) -> bool:
    """A runner in a folder of abandoned work (``sh/deprecated/run.sh``): what it passes is no evidence."""
    return any(part.lower() in DEAD_FOLDERS for part in runner.split("/")[:-1])


class Arguments:
    """The invocations of every script (runner steps, declared stages, README commands) bound to the
    arguments the script declares; :meth:`variants` gives an I/O fact once per distinct invocation."""

    def __init__(self, facts: Mapping[str, FileFacts], steps: Sequence[Step], readme: Sequence[Step]) -> None:
        self.facts = facts
        self.by_script: Dict[str, List[Invocation]] = {}
        live = [step for step in steps if not _abandoned(step.runner.split(":", 1)[0])]
        run = {step.script for step in live}
        for step in live + [s for s in readme if s.script not in run and not _abandoned(s.runner)]:
            fact = facts.get(step.script)
            if fact is None:
                continue
            values = bind(fact.cli, step.argv)
            known = self.by_script.setdefault(step.script, [])
            if len(known) < MAX_INVOCATIONS and all(
                    (i.values, i.cwd) != (values, step.cwd) for i in known):
                known.append(Invocation(step.script, step.cwd, values, step.runner, step.line, step.source))

    def invocations(self, script: str) -> List[Invocation]:
        return self.by_script.get(script, [])

    def cli(self, caller: str, path: str) -> Dict[str, CliArg]:
        """The arguments declared by the script that runs (else by the module the fact is written in)."""
        for where in (caller, path):
            fact = self.facts.get(where)
            if fact is not None and fact.cli:
                return {arg.dest: arg for arg in fact.cli}
        return {}

    def variants(self, fact: IOFact, caller: str, path: str, resolves_in: str) -> Iterator[Tuple[IOFact, bool]]:
        """``fact`` once per distinct invocation of ``caller`` (its arguments filled in), each with whether
        the values are certain (False for a README's command); the fact itself when it holds no argument."""
        if not has_args(fact.path):
            yield fact, True
            return
        cli = self.cli(caller, path)
        seen = set()
        invocations = self.invocations(caller)
        for invocation in invocations or [None]:
            if invocation is None:
                value = substitute(fact.path, None, cli)
            else:
                value = substitute(fact.path, invocation.values, cli, _rebaser(invocation.cwd, resolves_in))
            if value in seen:
                continue
            seen.add(value)
            yield replace(fact, path=value), invocation is None or invocation.source is not RunSource.README


__all__ = ["ArgValues", "Arguments", "Invocation", "MAX_INVOCATIONS", "bind", "has_args", "substitute"]
