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
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple


_PYTHON = re.compile(r"^(?:.*/)?(?:python[0-9.]*|ipython[0-9.]*|pypy[0-9.]*)$")
# Launchers that run a Python script given after their options: spark-submit [--opt value]... app.py
_LAUNCHERS = re.compile(r"^(?:.*/)?(?:spark-submit|pyspark|databricks-submit|dbx|beam-run)$")
_LAUNCHER_FLAGS = frozenset({"--verbose", "-v", "--supervise", "--help", "--version"})


@dataclass(frozen=True)
class Step:
    """One script run by a runner: repo-relative script path, the folder it runs in, where it is run."""

    script: str
    cwd: str
    runner: str
    line: int
    order: int


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
    steps: List[Tuple[str, str]] = []
    for words in _split(command):
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
        if _PYTHON.match(head) or head == "%run":
            rest = words[1:]
            while rest and rest[0].startswith("-") and rest[0] != "-m":
                rest = rest[1:]
            if len(rest) >= 2 and rest[0] == "-m":
                module = rest[1]
                script = known.get("module:" + module)
            elif rest and rest[0].endswith(".py"):
                script = _join(cwd, rest[0])
        elif head.endswith(".py"):
            script = _join(cwd, head)
        elif _LAUNCHERS.match(head):
            rest = words[1:]
            while rest and rest[0].startswith("-"):
                flag = rest.pop(0)
                if flag not in _LAUNCHER_FLAGS and "=" not in flag and rest:
                    rest.pop(0)  # the option's value (--master yarn, --py-files deps.zip)
            if rest and rest[0].endswith(".py"):
                script = _join(cwd, rest[0])
        if script is not None and script not in known and fallback and not script.startswith(fallback + "/"):
            alternative = _join(fallback, posixpath.relpath(script, cwd or "."))
            if alternative in known:
                script, cwd = alternative, fallback
        if script is not None and script in known:
            steps.append((known[script], cwd))
    return steps, cwd


def shell_steps(text: Optional[str], rel: str, known: Dict[str, str]) -> List[Step]:
    """Steps of the shell script ``rel`` (its ``text``; None: unread), in order; ``cd`` persists."""
    if text is None:
        return []
    cwd = posixpath.dirname(rel) if _runs_from_own_folder(text) else ""
    out: List[Step] = []
    logical = text.replace("\\\n", " ")
    for number, line in enumerate(logical.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        steps, cwd = parse_command(stripped, cwd, known, posixpath.dirname(rel))
        for script, folder in steps:
            out.append(Step(script, folder, rel, number, len(out)))
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
    for number, line in enumerate(logical.splitlines(), start=1):
        if not line.startswith("\t"):
            match = re.match(r"^([A-Za-z0-9_.\-/ ]+?)\s*:(?!=)", line)
            if match:
                target, order = match.group(1).split()[0], 0
            continue
        command = line.strip().lstrip("@-+")
        command = re.sub(r"\$\((PYTHON|PY|python)\)|\$\{(PYTHON|PY)\}", "python", command)
        steps, _ = parse_command(command, base, known)
        for script, folder in steps:
            out.append(Step(script, folder, f"{rel}:{target}" if target else rel, number, order))
            order += 1
    return out


def _runs_from_own_folder(text: str) -> bool:
    return bool(re.search(r'cd\s+"?\$\(dirname\s+"?\$0"?\)"?', text)) or "cd $(dirname $0)" in text
