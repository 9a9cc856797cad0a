"""Files that a notebook's shell escapes write: ``!wget URL``, ``!curl -o x URL``, ``!cmd > file``,
``!gunzip x.gz``, ``!cp a b``, ``!mv a b``.

A notebook that downloads its own input (``!wget .../taxi_zone_lookup.csv``) produces that file: a read of it
is no undeclared input. The escapes reach the extractor as comments (:mod:`debtscan.sources.text` neutralises
them, keeping the line count); this module reads the commands back from those comments. Nothing is run.
"""
from __future__ import annotations

import posixpath
import re
import shlex
from typing import List, Tuple

_ESCAPE = re.compile(r"^\s*(?:pass  )?# !(.+)$")
_MAX_LINES = 5000


def _words(command: str) -> List[List[str]]:
    out = []
    for part in re.split(r"&&|\|\||;|\|", command):
        try:
            words = shlex.split(part, comments=True)
        except ValueError:
            words = part.split()
        if words:
            out.append(words)
    return out


def _outputs(words: List[str]) -> List[str]:
    """What one simple command writes."""
    out: List[str] = []
    for index, word in enumerate(words):
        if word in (">", ">>") and index + 1 < len(words):
            out.append(words[index + 1])
        elif word.startswith(">") and len(word) > 1 and not word.startswith(">&"):
            out.append(word.lstrip(">"))
    head, args = words[0], [w for w in words[1:] if w not in (">", ">>")]
    if head == "wget":
        target = next((args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-O", "--output-document")), None)
        urls = [a for a in args if "://" in a]
        if target:
            out.append(target)
        elif urls:
            prefix = next((args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-P", "--directory-prefix")), "")
            name = posixpath.basename(urls[0].split("?", 1)[0])
            if name:
                out.append(posixpath.join(prefix, name) if prefix else name)
    elif head == "curl":
        target = next((args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-o", "--output")), None)
        if target:
            out.append(target)
        elif "-O" in args or "--remote-name" in args:
            urls = [a for a in args if "://" in a]
            if urls:
                out.append(posixpath.basename(urls[0].split("?", 1)[0]))
    elif head in ("gunzip", "gzip") and ("-d" in args or head == "gunzip") and "-c" not in args and "-dc" not in args:
        out.extend(a[:-3] for a in args if a.endswith(".gz"))
    elif head in ("cp", "mv") and len([a for a in args if not a.startswith("-")]) == 2:
        out.append([a for a in args if not a.startswith("-")][1])
    return [o for o in out if o and "$" not in o and "{" not in o and o not in ("/dev/null", "-")]


def shell_writes(text: str) -> List[Tuple[int, str]]:
    """(line, file) for every file a notebook's shell escapes write."""
    out: List[Tuple[int, str]] = []
    for number, line in enumerate(text.splitlines()[:_MAX_LINES * 10], start=1):
        if "# !" not in line:
            continue
        match = _ESCAPE.match(line)
        if match is None:
            continue
        for words in _words(match.group(1)):
            for path in _outputs(words):
                out.append((number, path))
        if len(out) > _MAX_LINES:
            break
    return out
