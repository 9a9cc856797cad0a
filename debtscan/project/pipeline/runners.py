"""Runners: scripts that run other scripts in order, and the working folder each runs in.

Sources: ``os.system("cd feat && python 101_x.py")`` / ``subprocess.run(["python", "x.py"])`` in Python
files (:class:`~debtscan.facts.model.RunFact`), shell scripts (``*.sh``) and Makefile recipes. Each runner
gives an ordered list of (script, working folder) steps; a ``cd`` persists to the end of a shell script and
to the end of a recipe line in a Makefile.
"""
from __future__ import annotations

import posixpath
import re
import shlex
from enum import Enum
from typing import Dict, List, Mapping, Optional, Tuple

from debtscan.records import record


_PYTHON = re.compile(r"^(?:.*/)?(?:python[0-9.]*|ipython[0-9.]*|pypy[0-9.]*)$")
# Launchers that run a Python script given after their options: spark-submit [--opt value]... app.py
_LAUNCHERS = re.compile(r"^(?:.*/)?(?:spark-submit|pyspark|databricks-submit|dbx|beam-run)$")
_LAUNCHER_FLAGS = frozenset({"--verbose", "-v", "--supervise", "--help", "--version"})


#: The command-line words a runner gives a script (after the script's name); None: a word it leaves unknown.
Argv = Tuple[Optional[str], ...]


class RunSource(str, Enum):
    """What says a script is run: a runner (a Python file's ``os.system``/``subprocess``, a shell script, a
    Makefile recipe, an orchestrator), a declared pipeline stage (``dvc.yaml`` ``cmd``), or a README's code
    block (the last resort: what the authors say to type, not what a file runs)."""

    RUNNER = "runner"
    DECLARED = "declared"
    README = "readme"


@record(frozen=True)
class Step:
    """One script run by a runner: repo-relative script path, the folder it runs in, where it is run.

    ``runner`` names the runner: its file, or ``Makefile:target`` for a Makefile target and
    ``dvc.yaml:stage`` for a DVC stage (``target`` then holds the target or stage, and :attr:`runner_file` the
    file)."""

    script: str
    cwd: str
    runner: str
    line: int
    order: int
    argv: "Argv" = ()    # the words it is given after the script's name (:func:`parse_invocations`)
    source: RunSource = RunSource.RUNNER
    target: str = ""

    @property
    def runner_file(self) -> str:
        """The file the runner is written in."""
        return self.runner[:len(self.runner) - len(self.target) - 1] if self.target else self.runner


def _split(command: str) -> List[List[str]]:
    """Shell words of each simple command of a line (split on ``&&``, ``;``, ``||``, ``|``)."""
    out: List[List[str]] = []
    for part in re.split(r"&&|\|\||;|\|", command):
        try:
            words = shlex.split(part, comments=True)
        except ValueError:
            words = part.split()
        if words:
            out.append(words)
    return out


def _join(cwd: str, relative: str) -> str:
    if relative.startswith("/"):
        return posixpath.normpath(relative.lstrip("/"))
    return posixpath.normpath(posixpath.join(cwd, relative)) if cwd else posixpath.normpath(relative)


def parse_command(command: str, cwd: str, known: Dict[str, str],
                  fallback: str = "") -> Tuple[List[Tuple[str, str]], str]:
    """Scripts a command line runs, as (script path, working folder), and the folder after it.

    ``known`` maps repo-relative file paths and dotted module names of the scanned files to their paths;
    scripts that are not in the repo are ignored.
    """
    found, cwd = parse_invocations(command, cwd, known, fallback)
    return [(script, folder) for script, folder, _ in found], cwd


def parse_invocations(command: str, cwd: str, known: Dict[str, str], fallback: str = "",
                      variables: Optional[Mapping[str, str]] = None
                      ) -> Tuple[List[Tuple[str, str, Argv]], str]:
    """Like :func:`parse_command`, with the words each script is given (:data:`Argv`: the command-line
    words after the script, ``None`` for a word the runner leaves unknown: ``$DATA`` that no assignment
    sets, a ``{PATH TO CSVs}`` placeholder of a README). ``variables``: the runner's assignments
    (``DATA=data/raw`` in a shell script, ``DATA := data/raw`` in a Makefile)."""
    steps: List[Tuple[str, str, Argv]] = []
    for words in _split(_placeholders(command)):
        while words and (words[0] in ("nohup", "time", "exec", "env", "sudo", "!", "%run", "-") or "=" in words[0]
                         and not words[0].startswith("-")):
            words = words[1:]
        if not words:
            continue
        head = words[0]
        if head == "cd" and len(words) > 1:
            target = words[1].replace("$(dirname $0)", ".").replace('"', "")
            if target.startswith(("$", "~", "/")):
                continue
            cwd = _join(cwd, target)
            if cwd.startswith(".."):
                cwd = ""
            continue
        script = None
        rest: List[str] = []
        if _PYTHON.match(head) or head == "%run":
            rest = words[1:]
            while rest and rest[0].startswith("-") and rest[0] != "-m" and not _MODULE_FLAG.match(rest[0]):
                rest = rest[1:]
            if rest and _MODULE_FLAG.match(rest[0]) and rest[0] != "-m":
                rest = ["-m"] + rest[1:]  # python -um pkg.mod: -u and -m together
            if len(rest) >= 2 and rest[0] == "-m":
                module = rest[1]
                script = known.get("module:" + module)
                rest = rest[2:]
            elif rest and rest[0].endswith(".py"):
                script = _join(cwd, rest[0])
                rest = rest[1:]
        elif head.endswith(".py"):
            script = _join(cwd, head)
            rest = words[1:]
        elif _LAUNCHERS.match(head):
            rest = words[1:]
            while rest and rest[0].startswith("-"):
                flag = rest.pop(0)
                if flag not in _LAUNCHER_FLAGS and "=" not in flag and rest:
                    rest.pop(0)  # the option's value (--master yarn, --py-files deps.zip)
            if rest and rest[0].endswith(".py"):
                script = _join(cwd, rest[0])
                rest = rest[1:]
        if script is not None and script not in known and fallback and not script.startswith(fallback + "/"):
            alternative = _join(fallback, posixpath.relpath(script, cwd or "."))
            if alternative in known:
                script, cwd = alternative, fallback
        if script is not None and script in known:
            steps.append((known[script], cwd, _argv(rest, variables or {})))
    return steps, cwd


_MODULE_FLAG = re.compile(r"^-[A-Za-z]*m$")  # -m, -um, -Om: the last flag letter takes the module name
_PLACEHOLDER = "\x00"
_REDIRECT = re.compile(r"^(?:\d?>>?|&>|<|\d?>&\d)(.*)$")
_VARIABLE = re.compile(r"\$\{(\w+)\}|\$\((\w+)\)|\$(\w+)")


def _placeholders(command: str) -> str:
    """A README's ``{PATH TO MIMIC-III CSVs}`` / ``<data dir>`` as one unknown word."""
    command = re.sub(r"(?<!\$)\{[^{}\n]*\}", _PLACEHOLDER, command)
    return re.sub(r"<[A-Za-z][^<>\n]*>", _PLACEHOLDER, command)


def _argv(words: List[str], variables: Mapping[str, str]) -> Argv:
    """The words after the script, without redirections; variables the runner sets are expanded."""
    out: List[Optional[str]] = []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        redirect = _REDIRECT.match(word)
        if redirect:
            skip = not redirect.group(1)  # "> out.log": the next word is the redirect's target
            continue
        if word == "&":
            break
        out.append(_expand(word, variables))
    return tuple(out)


def _expand(word: str, variables: Mapping[str, str]) -> Optional[str]:
    if _PLACEHOLDER in word:
        return None
    unknown = False

    def value(match: "re.Match[str]") -> str:
        nonlocal unknown
        name = match.group(1) or match.group(2) or match.group(3)
        if name in variables:
            return variables[name]
        unknown = True
        return ""

    text = _VARIABLE.sub(value, word) if "$" in word else word
    return None if unknown or not text else text


def shell_variables(text: str) -> Dict[str, str]:
    """``NAME=value`` lines of a shell script (a literal value, or one built of earlier ones)."""
    out: Dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"^\s*(?:export\s+)?([A-Za-z_]\w*)=(\S*)\s*(?:#.*)?$", line)
        if match:
            expanded = _expand(match.group(2).strip("'\""), out)
            if expanded is not None:
                out[match.group(1)] = expanded
            else:
                out.pop(match.group(1), None)
    return out


def make_variables(text: str) -> Dict[str, str]:
    """``NAME = value`` / ``:=`` / ``?=`` assignments of a Makefile (literal, or built of earlier ones)."""
    out: Dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z_]\w*)\s*(?::=|\?=|=)\s*(\S*)\s*(?:#.*)?$", line)
        if match:
            expanded = _expand(match.group(2), out)
            if expanded is not None:
                out[match.group(1)] = expanded
    return out


def shell_steps(text: Optional[str], rel: str, known: Dict[str, str]) -> List[Step]:
    """Steps of the shell script ``rel`` (its ``text``; None: unread), in order; ``cd`` persists."""
    if text is None:
        return []
    cwd = posixpath.dirname(rel) if _runs_from_own_folder(text) else ""
    out: List[Step] = []
    logical = text.replace("\\\n", " ")
    variables = shell_variables(logical)
    for number, line in enumerate(logical.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        steps, cwd = parse_invocations(stripped, cwd, known, posixpath.dirname(rel), variables)
        for script, folder, argv in steps:
            out.append(Step(script, folder, rel, number, len(out), argv))
    return out


def makefile_steps(text: Optional[str], rel: str, known: Dict[str, str]) -> List[Step]:
    """Steps of each Makefile target's recipe, in order; a ``cd`` lasts for its recipe line.

    Targets are independent (make runs only what is asked), so each target is its own runner,
    ``Makefile:target``; the order of steps holds within one recipe only.
    """
    if text is None:
        return []
    base = posixpath.dirname(rel)
    out: List[Step] = []
    target = ""
    order = 0
    logical = text.replace("\\\n", " ")
    variables = make_variables(logical)
    for number, line in enumerate(logical.splitlines(), start=1):
        if not line.startswith("\t"):
            match = re.match(r"^([A-Za-z0-9_.\-/ ]+?)\s*:(?!=)", line)
            if match:
                target, order = match.group(1).split()[0], 0
            continue
        command = line.strip().lstrip("@-+")
        command = re.sub(r"\$\((PYTHON|PY|python)\)|\$\{(PYTHON|PY)\}", "python", command)
        steps, _ = parse_invocations(command, base, known, "", variables)
        for script, folder, argv in steps:
            out.append(Step(script, folder, f"{rel}:{target}" if target else rel, number, order, argv,
                            target=target))
            order += 1
    return out


def readme_steps(text: Optional[str], rel: str, known: Dict[str, str]) -> List[Step]:
    """Scripts a README's code blocks say to run (fenced or indented blocks; a ``$ `` prompt is dropped),
    from the README's folder; a ``cd`` lasts to the end of its block. The last resort for the arguments a
    script is given (:attr:`RunSource.README`)."""
    if text is None:
        return []
    base = posixpath.dirname(rel)
    out: List[Step] = []
    for number, block_start, line in _code_lines(text):
        if block_start:
            cwd = base
        command = re.sub(r"^(?:\$|>>>|%|#)\s+", "", line.strip())
        if not command or command.startswith("#"):
            continue
        steps, cwd = parse_invocations(command, cwd, known, "")
        for script, folder, argv in steps:
            out.append(Step(script, folder, rel, number, len(out), argv, RunSource.README))
    return out


_SHELL_BLOCKS = frozenset({"", "bash", "sh", "shell", "console", "zsh", "text", "cmd", "shell-session"})


def _code_lines(text: str):
    """(line number, whether a new block starts, line) of each line inside a Markdown code block (fenced
    as shell or untagged, or indented); blocks of another language (``python``, ``yaml``) are skipped."""
    fence: Optional[str] = None
    shell = False
    previous_blank = True
    indented = False
    for number, line in enumerate(text.replace("\\\n", " ").splitlines(), start=1):
        stripped = line.strip()
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            elif shell:
                yield number, False, line
            continue
        match = re.match(r"^\s*(```+|~~~+)\s*([\w+-]*)", line)
        if match:
            fence, shell = match.group(1), match.group(2).lower() in _SHELL_BLOCKS
            if shell:
                yield number, True, ""
            continue
        if line.startswith(("    ", "\t")) and stripped and (previous_blank or indented):
            yield number, not indented, line
            indented = True
        elif stripped:
            indented = False
        previous_blank = not stripped


def _runs_from_own_folder(text: str) -> bool:
    return bool(re.search(r'cd\s+"?\$\(dirname\s+"?\$0"?\)"?', text)) or "cd $(dirname $0)" in text
