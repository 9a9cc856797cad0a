"""Declared pipelines: files that dvc.yaml stages or a Kedro data catalog manage.

An artifact equal to, or inside a folder that is, a declared stage dependency or output is managed by the
pipeline tool: the order of the steps and the contract between them are explicit, so its hand-offs are not
jungle. ``dvc.yaml`` paths are relative to the file's folder (or the stage's ``wdir``); Kedro catalog
``filepath`` entries are relative to the project root (the folder holding ``conf/``).
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from debtscan.project.pipeline.runners import RunSource, Step, parse_invocations
from debtscan.records import record



@record
class Declared:
    """Declared paths (repo-relative) and where each was declared; ``datasets``: the Kedro catalogue's
    datasets, (project folder, dataset name) -> the path of its file (``""`` when it names none: a table, a
    remote URI)."""

    paths: Dict[str, str] = field(default_factory=dict)
    datasets: Dict[Tuple[str, str], str] = field(default_factory=dict)

    def source_of(self, artifact: str) -> Optional[str]:
        """The declaring file when ``artifact`` is declared (itself or a folder above it)."""
        if artifact in self.paths:
            return self.paths[artifact]
        for declared, source in self.paths.items():
            if artifact.startswith(declared.rstrip("/") + "/"):
                return source
            if "*" in artifact and declared.startswith(artifact.split("*", 1)[0]) and artifact.split("*", 1)[0]:
                from debtscan.project.paths import matches
                if matches(artifact, declared):
                    return source
        return None


def _load_yaml(text: str) -> Any:
    try:
        import yaml  # type: ignore
    except ImportError:  # pragma: no cover - PyYAML is optional
        return None
    try:
        return yaml.safe_load(text)
    except Exception:  # noqa: BLE001 - a broken file declares nothing
        return None


def _entries(value: Any) -> List[str]:
    out: List[str] = []
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, dict):
                out.extend(k for k in item if isinstance(k, str))
    elif isinstance(value, dict):
        out.extend(k for k in value if isinstance(k, str))
    return out


def _fallback_dvc(text: str) -> List[str]:
    """deps/outs list items of a dvc.yaml, without a YAML library."""
    out: List[str] = []
    section_indent = None
    for line in text.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        match = re.match(r"^(deps|outs|metrics|plots):\s*$", stripped)
        if match:
            section_indent = indent
            continue
        if section_indent is not None:
            if stripped.startswith("- ") and indent >= section_indent:
                item = stripped[2:].strip().rstrip(":").strip("'\"")
                if item:
                    out.append(item)
                continue
            if stripped and indent <= section_indent:
                section_indent = None
    return out


def _norm(base: str, path: str) -> Optional[str]:
    path = path.strip().replace("\\", "/")
    if not path or path.startswith(("/", "~", "$", "s3:", "gs:", "http")):
        return None
    joined = posixpath.normpath(posixpath.join(base, path)) if base else posixpath.normpath(path)
    return None if joined.startswith("..") else joined


def dvc_steps(texts: Mapping[str, str], dvc_files: Sequence[str], known: Dict[str, str]) -> List[Step]:
    """The scripts ``dvc.yaml`` stages run (``cmd``, a string or a list), each a runner ``dvc.yaml:stage``
    whose steps run from the stage's ``wdir`` (default: the file's folder), with the words they are given.
    A ``foreach`` stage over literal items runs its ``do`` command once per item (``${item}`` filled in)."""
    out: List[Step] = []
    for rel in dvc_files:
        text = texts.get(rel)
        if text is None:
            continue
        base = posixpath.dirname(rel)
        data = _load_yaml(text)
        stages = data.get("stages") if isinstance(data, dict) else None
        commands: List[Tuple[str, str, List[str], int]] = []  # (stage, wdir, commands, line)
        if isinstance(stages, dict):
            for name, stage in stages.items():
                if not isinstance(stage, dict):
                    continue
                line = _line_of(text, str(name))
                items = stage.get("foreach")
                body = stage.get("do") if isinstance(stage.get("do"), dict) else stage
                wdir = body.get("wdir") if isinstance(body.get("wdir"), str) else ""
                cmd = body.get("cmd")
                cmds = [cmd] if isinstance(cmd, str) else [c for c in cmd if isinstance(c, str)] \
                    if isinstance(cmd, list) else []
                if isinstance(items, list) and "do" in stage:
                    cmds = [c.replace("${item}", str(item)) for c in cmds for item in items[:8]
                            if isinstance(item, (str, int, float))]
                commands.append((str(name), wdir, cmds, line))
        elif data is None:
            commands = _fallback_commands(text)
        for name, wdir, cmds, line in commands:
            cwd = _norm(base, wdir) if wdir else base
            if cwd is None:
                continue
            order = 0
            for command in cmds:
                found, _ = parse_invocations(command, "" if cwd == "." else cwd, known)
                for script, folder, argv in found:
                    out.append(Step(script, folder, f"{rel}:{name}", line, order, argv, RunSource.DECLARED, name))
                    order += 1
    return out


def _line_of(text: str, stage: str) -> int:
    match = re.search(r"^\s+['\"]?" + re.escape(stage) + r"['\"]?\s*:", text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _fallback_commands(text: str) -> List[Tuple[str, str, List[str], int]]:
    """Each stage's one-line ``cmd:`` and ``wdir:``, without a YAML library."""
    out: List[Tuple[str, str, List[str], int]] = []
    stage, wdir, line, cmds = "", "", 0, []
    for number, raw in enumerate(text.splitlines(), start=1):
        match = re.match(r"^  ([\w.-]+):\s*$", raw)
        if match:
            if stage:
                out.append((stage, wdir, cmds, line))
            stage, wdir, line, cmds = match.group(1), "", number, []
            continue
        match = re.match(r"^\s+(cmd|wdir):\s*(.+?)\s*$", raw)
        if match and stage:
            value = match.group(2).strip("'\"")
            if match.group(1) == "cmd":
                cmds.append(value)
            else:
                wdir = value
    if stage:
        out.append((stage, wdir, cmds, line))
    return out


def load_declared(texts: Mapping[str, str], dvc_files: Sequence[str], catalog_files: Sequence[str]) -> Declared:
    """The paths that ``dvc.yaml`` files and Kedro catalogues declare (``texts``: their text by path)."""
    declared = Declared()
    for rel in dvc_files:
        text = texts.get(rel)
        if text is None:
            continue
        base = posixpath.dirname(rel)
        data = _load_yaml(text)
        paths: List[str] = []
        if isinstance(data, dict):
            # top-level `metrics:` / `plots:` (a file, or a plot whose `y` maps files to columns)
            for key in ("metrics", "plots"):
                for item in data.get(key) or () if isinstance(data.get(key), list) else ():
                    files = [item] if isinstance(item, str) else []
                    if isinstance(item, dict):
                        for spec in item.values():
                            y = spec.get("y") if isinstance(spec, dict) else None
                            files.extend(k for k in (y if isinstance(y, dict) else {}) if isinstance(k, str))
                    for name in files:
                        normal = _norm(base, name)
                        if normal:
                            declared.paths.setdefault(normal, rel)
        if isinstance(data, dict) and isinstance(data.get("stages"), dict):
            for stage in data["stages"].values():
                if not isinstance(stage, dict):
                    continue
                wdir = stage.get("wdir") if isinstance(stage.get("wdir"), str) else ""
                stage_base = posixpath.normpath(posixpath.join(base, wdir)) if wdir else base
                for key in ("deps", "outs", "metrics", "plots"):
                    for item in _entries(stage.get(key)):
                        normal = _norm(stage_base if stage_base != "." else "", item)
                        if normal:
                            declared.paths.setdefault(normal, rel)
                params = stage.get("params")
                if isinstance(params, list) and any(isinstance(p, str) for p in params):
                    # `params: [train.seed]`: keys of the default parameters file, params.yaml in the stage's folder
                    normal = _norm(stage_base if stage_base != "." else "", "params.yaml")
                    if normal:
                        declared.paths.setdefault(normal, rel)
            continue
        if data is None:
            paths = _fallback_dvc(text)
        for item in paths:
            normal = _norm(base, item)
            if normal:
                declared.paths.setdefault(normal, rel)
    for rel in catalog_files:
        text = texts.get(rel)
        if text is None:
            continue
        parts = rel.split("/")
        project = "/".join(parts[: parts.index("conf")]) if "conf" in parts else posixpath.dirname(rel)
        data = _load_yaml(text)
        if isinstance(data, dict):
            for name, entry in data.items():
                if isinstance(entry, dict):
                    if isinstance(name, str) and not name.startswith("_"):
                        declared.datasets.setdefault((project, name), "")
                    for key in ("filepath", "path"):
                        if isinstance(entry.get(key), str):
                            normal = _norm(project, entry[key])
                            if normal:
                                declared.paths.setdefault(normal, rel)
                                if isinstance(name, str):
                                    declared.datasets[(project, name)] = normal
        else:
            for match in re.finditer(r"^\s*filepath:\s*['\"]?([^'\"\n#]+)", text, re.M):
                normal = _norm(project, match.group(1))
                if normal:
                    declared.paths.setdefault(normal, rel)
    return declared
