"""Resolving symbolic path expressions to repo-relative paths or patterns, across files.

A resolved path is a POSIX string relative to the scan root, where ``*`` stands for any part that could
not be known statically (``data/fold_*.pkl``). ``exact`` tells whether any wildcard was needed.
"""
from __future__ import annotations

import enum
import itertools
import posixpath
import re
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from debtscan.artifacts import TABLE_PREFIX, ArtifactKind, object_store_id, storage_scheme, table_id
from debtscan.project.segments import compatible, normalise_wildcards, pattern_regex
from debtscan.facts.values import (
    Arg, Choice, Concat, Format, Here, Lit, Param, PathJoin, PathOp, Ref, Seq, Sym, Unknown, Why,
)
from debtscan.knowledge.names import callee_of
from debtscan.records import record

WILDCARD = "*"
HERE_ROOT = "@repo"
HERE = HERE_ROOT + "/"  # ``__file__`` resolves to HERE + the file's repo-relative path
MAX_VARIANTS = 16
"""Strings a path may resolve to, at most (a choice beyond it is cut)."""
_MAX_VARIANTS = MAX_VARIANTS
_REMOTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")
_BRACE = re.compile(r"\{([^{}]*)\}")
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")


class PathBase(str, enum.Enum):
    """How a resolved path was anchored: relative to the scan ``root``, to the folder of its ``project``, to
    the folder its ``script`` runs from, to its own ``file`` (``__file__``-based); or none of them: an
    ``absolute`` (or home) path, a ``warehouse`` table, an ``object-store`` prefix. Members are strings equal
    to their values (reports and the graph export show the value); code compares with the members."""

    ROOT = "root"
    PROJECT = "project"
    SCRIPT = "script"
    FILE = "file"
    ABSOLUTE = "absolute"
    WAREHOUSE = "warehouse"
    OBJECT_STORE = "object-store"

    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        return str.__format__(str.__str__(self), spec)


#: Bases that name no file of a project folder: such an artifact lies in the scan root's project.
OUTSIDE_PROJECTS = frozenset({PathBase.ABSOLUTE, PathBase.WAREHOUSE, PathBase.OBJECT_STORE})


@record(frozen=True)
class ResolvedPath:
    """A path as far as the code determines it: ``base`` says how relative paths were anchored."""

    path: str
    exact: bool
    base: PathBase = PathBase.ROOT
    floating: bool = False  # the code's own text starts with an unknown part (``f"{out}/x.csv"``)
    kind: ArtifactKind = ArtifactKind.LOCAL_FILE


class ConstantTable:
    """Module-level constants and import aliases of the whole repo, for cross-file resolution.

    Module names are only unique within a project (every project of a monorepo may have its ``config.py``):
    ``scope`` maps a file to its project, and a name is looked up in the project of the file that asks
    first, then among all the repo's definitions (a shared library at the root).
    """

    def __init__(self, scope: Optional[Callable[[str], str]] = None) -> None:
        self.scope = scope
        self.values: Dict[str, Sym] = {}
        self.aliases: Dict[str, str] = {}
        self.files: Dict[str, str] = {}
        self.lines: Dict[str, int] = {}
        self._scoped_values: Dict[Tuple[str, str], Sym] = {}
        self._scoped_aliases: Dict[Tuple[str, str], str] = {}
        self._scoped_files: Dict[Tuple[str, str], str] = {}
        self._scoped_lines: Dict[Tuple[str, str], int] = {}
        # the same, per folder: ``py/utils.py`` and ``py_prev/utils.py`` are both ``utils``; a script
        # importing ``utils`` gets the one beside it (as Python's sys.path[0] does)
        self._folder_values: Dict[Tuple[str, str], Sym] = {}
        self._folder_aliases: Dict[Tuple[str, str], str] = {}
        self._folder_files: Dict[Tuple[str, str], str] = {}
        self._folder_lines: Dict[Tuple[str, str], int] = {}
        self._ambiguous: set = set()  # module names defined by more than one file

    def _project(self, where: Optional[str]) -> Optional[str]:
        if where is None or self.scope is None:
            return None
        return self.scope(where)

    def add_module(self, module: str, path: str, constants: Iterable, imports: Iterable) -> None:
        project = self._project(path)
        folder = posixpath.dirname(path)
        if module in self.files and self.files[module] != path:
            self._ambiguous.add(module)
        self.files[module] = path
        self._folder_files[(folder, module)] = path
        if project is not None:
            self._scoped_files[(project, module)] = path
        for constant in constants:
            name = f"{module}.{constant.name}"
            self.values[name] = constant.value
            self.lines[name] = constant.line
            self._folder_values[(folder, name)] = constant.value
            self._folder_lines[(folder, name)] = constant.line
            if project is not None:
                self._scoped_values[(project, name)] = constant.value
                self._scoped_lines[(project, name)] = constant.line
        for imported in imports:
            if imported.alias != "*":
                name = f"{module}.{imported.alias}"
                self.aliases[name] = imported.target
                self._folder_aliases[(folder, name)] = imported.target
                if project is not None:
                    self._scoped_aliases[(project, name)] = imported.target

    def _beside(self, name: str, where: Optional[str]) -> Optional[str]:
        """The folder of ``where`` when the module ``name`` belongs to is defined by several files (else
        None: the project- or repo-wide tables answer)."""
        if where is None or not self._ambiguous:
            return None
        module = name.rpartition(".")[0] if "." in name else name
        while module and module not in self._ambiguous:
            module = module.rpartition(".")[0]
        return posixpath.dirname(where) if module else None

    def value(self, name: str, where: Optional[str] = None) -> Optional[Sym]:
        """The constant ``name`` itself (no alias followed), seen from file ``where``."""
        folder = self._beside(name, where)
        if folder is not None and (folder, name) in self._folder_values:
            return self._folder_values[(folder, name)]
        project = self._project(where)
        if project is not None and (project, name) in self._scoped_values:
            return self._scoped_values[(project, name)]
        return self.values.get(name)

    def alias(self, name: str, where: Optional[str] = None) -> Optional[str]:
        """What the imported name ``name`` stands for, seen from file ``where``."""
        folder = self._beside(name, where)
        if folder is not None and (folder, name) in self._folder_aliases:
            return self._folder_aliases[(folder, name)]
        project = self._project(where)
        if project is not None and (project, name) in self._scoped_aliases:
            return self._scoped_aliases[(project, name)]
        return self.aliases.get(name)

    def file_of(self, module: str, where: Optional[str] = None, default: str = "") -> str:
        """The file defining module ``module``, seen from file ``where``."""
        if module in self._ambiguous and where is not None:
            beside = self._folder_files.get((posixpath.dirname(where), module))
            if beside is not None:
                return beside
        project = self._project(where)
        if project is not None and (project, module) in self._scoped_files:
            return self._scoped_files[(project, module)]
        return self.files.get(module, default)

    def where(self, name: str, depth: int = 0, origin: Optional[str] = None) -> Optional[Tuple[str, int]]:
        """(file, line) where a constant is defined, following import aliases."""
        if depth > 8:
            return None
        if self.value(name, origin) is not None:
            module = name.rpartition(".")[0]
            project = self._project(origin)
            folder = self._beside(name, origin)
            line = self._folder_lines.get((folder, name)) if folder is not None else None
            if line is None:
                line = self._scoped_lines.get((project, name)) if project is not None else None
            return self.file_of(module, origin), line if line is not None else self.lines.get(name, 0)
        target = self.alias(name, origin)
        if target is not None and target != name:
            return self.where(target, depth + 1, origin)
        return None

    def lookup(self, name: str, depth: int = 0, origin: Optional[str] = None) -> Optional[Sym]:
        """The value of constant ``name`` as file ``origin`` sees it, following import aliases."""
        if depth > 8:
            return None
        value = self.value(name, origin)
        if value is not None:
            return value
        target = self.alias(name, origin)
        if target is not None and target != name:
            return self.lookup(target, depth + 1, origin)
        return None

    def names(self, name: str, origin: Optional[str] = None, depth: int = 0) -> Tuple[str, ...]:
        """The column names a feature-list constant holds (``FEATURES = ["a", "b"] + BASE``), as file
        ``origin`` sees it; empty when it cannot be resolved."""
        if depth > 6:
            return ()
        value = self.lookup(name, origin=origin)
        return self._flatten(value, origin, depth) if value is not None else ()

    def _flatten(self, value: Sym, origin: Optional[str], depth: int) -> Tuple[str, ...]:
        if isinstance(value, Lit):
            return (value.value,) if isinstance(value.value, str) else ()
        if isinstance(value, (Seq, Concat)):
            items = value.items if isinstance(value, Seq) else value.parts
            out: List[str] = []
            for item in items:
                out.extend(self._flatten(item, origin, depth + 1))
            return tuple(out)
        if isinstance(value, Ref):
            return self.names(value.name, origin, depth + 1)
        return ()

    def canonical(self, name: str, origin: Optional[str] = None) -> str:
        """The defining constant of a (possibly re-imported) name: ``train.FEATURES`` -> ``config.FEATURES``."""
        for _ in range(8):
            if self.value(name, origin) is not None:
                break
            target = self.alias(name, origin)
            if target is None:
                break
            name = target
        return name


class Resolver:
    """Turns a Sym into candidate strings; unknown parts become ``*``."""

    def __init__(self, constants: ConstantTable, path_properties: Optional[Dict[str, str]] = None) -> None:
        self.constants = constants
        # attributes of paths that are path operations (``config.DATA.parent``): signals.toml [paths]
        self.path_properties = path_properties if path_properties is not None else {}

    def strings(self, value: Sym, module_file: str, depth: int = 0) -> List[Tuple[str, bool]]:
        """Every string the value may be: (text, exact) pairs, at most a few variants."""
        if depth > 25:
            return [(WILDCARD, False)]
        kind = type(value)
        if kind is Lit:
            if isinstance(value.value, (str, int, float)) and not isinstance(value.value, bool):
                return [(str(value.value), True)]
            return [(WILDCARD, False)]
        if kind is Ref:
            target = self.constants.lookup(value.name, origin=module_file)
            if target is None:
                base, _, attr = value.name.rpartition(".")
                if attr in self.path_properties and base:
                    # config.PROCESSED.parent: a path property of an imported constant
                    return self.strings(PathOp(self.path_properties[attr], Ref(base)), module_file, depth + 1)
                return [(WILDCARD, False)]
            defining_module = value.name.rpartition(".")[0]
            return self.strings(target, self.constants.file_of(defining_module, module_file, module_file),
                                depth + 1)
        if kind is Concat:
            parts = []
            for position, part in enumerate(value.parts):
                if position and type(part) is Here:
                    # f"LOG/imp_{__file__}.csv": the script name as invoked, not an anchor
                    parts.append([(posixpath.basename(module_file), True)])
                else:
                    parts.append(self.strings(part, module_file, depth + 1))
            return self._product(parts, "")
        if kind is PathJoin:
            parts = [self.strings(p, module_file, depth + 1) for p in value.parts]
            return [(_join(texts), exact) for texts, exact in self._combos(parts)]
        if kind is Format:
            return self._format(value, module_file, depth)
        if kind is PathOp:
            if value.op == "if" and type(value.base) is Choice and len(value.base.options) == 2:
                # ``body if test else orelse`` with a parameter as the test: a literal argument picks its
                # branch (Python's truth), anything else may be either
                test = value.arg
                if type(test) is Param and test.default is not None:
                    test = None  # no argument given here: the default only holds when nobody passes one
                if type(test) is Lit:
                    chosen = value.base.options[0] if test.value else value.base.options[1]
                    return self.strings(chosen, module_file, depth + 1)
                return self.strings(value.base, module_file, depth + 1)
            if value.op == "columns" and not (type(value.base) is PathOp
                                              and value.base.op in ("add_prefix", "add_suffix")):
                return [(WILDCARD, False)]  # the columns of a frame nothing names
            return [(_path_op(value.op, text, value.arg, self, module_file, depth), exact)
                    for text, exact in self.strings(value.base, module_file, depth + 1)]
        if kind is Here:
            return [(HERE + module_file, True)]
        if kind is Param:
            if value.default is not None:
                return [(text, False) for text, _ in self.strings(value.default, module_file, depth + 1)]
            return [(WILDCARD, False)]
        if kind is Arg:
            # a command-line argument no invocation filled in (debtscan.project.argv): its default
            if value.default is not None:
                return self.strings(value.default, module_file, depth + 1)
            return [(WILDCARD, False)]
        if kind is Choice:
            out: List[Tuple[str, bool]] = []
            for option in value.options:
                if type(option) is Ref:
                    # a loop over a constant list (``for T in config.WINDOWS``): each item
                    target = self.constants.lookup(option.name, origin=module_file)
                    if type(target) is Seq:
                        defining = self.constants.file_of(option.name.rpartition(".")[0], module_file,
                                                          module_file)
                        for item in target.items[:_MAX_VARIANTS]:
                            out.extend(self.strings(item, defining, depth + 1))
                        continue
                out.extend(self.strings(option, module_file, depth + 1))
            return _dedupe(out)[:_MAX_VARIANTS]
        if kind is Unknown and value.why is Why.CALL and callee_of(value.detail).resolved:
            # a project function that returns a path (recorded as the constant ``name()``)
            name = value.detail
            target = self.constants.lookup(name + "()", origin=module_file)
            if target is not None:
                defining = self.constants.file_of(name.rpartition(".")[0], module_file, module_file)
                return [(text, False if WILDCARD in text else exact)
                        for text, exact in self.strings(target, defining, depth + 1)]
        return [(WILDCARD, False)]

    def anchor(self, value: Sym, module_file: str, depth: int = 0) -> Optional[Tuple[str, int]]:
        """Where the leading part of a path is written down, when it is a module constant: (file, line) of
        the deepest constant the path starts with (``config.DATA_DIR = "/home/me/data"``)."""
        if depth > 12:
            return None
        kind = type(value)
        if kind is Ref:
            target = self.constants.lookup(value.name, origin=module_file)
            if target is None:
                return None
            inner = self.anchor(target, module_file, depth + 1)
            return inner or self.constants.where(value.name, origin=module_file)
        if kind in (Concat, PathJoin):
            return self.anchor(value.parts[0], module_file, depth + 1) if value.parts else None
        if kind is Format:
            return self.anchor(value.template, module_file, depth + 1)
        if kind is PathOp:
            return self.anchor(value.base, module_file, depth + 1)
        if kind is Param and value.default is not None:
            return self.anchor(value.default, module_file, depth + 1)
        if kind is Arg and value.default is not None:
            return self.anchor(value.default, module_file, depth + 1)
        return None

    def _combos(self, parts: List[List[Tuple[str, bool]]]):
        """Every combination of the parts' strings; beyond :data:`_MAX_VARIANTS` combinations the parts with
        the most choices become wildcards, largest first, until the rest fits (``f"{folder}/fold{k}.pkl"``
        over 4 folders and ``range(5)`` is the 4 folders' ``fold*.pkl``, not ``*/fold*.pkl``)."""
        total = 1
        for p in parts:
            total *= max(1, len(p))
        if total > _MAX_VARIANTS:
            parts = list(parts)
            for index in sorted(range(len(parts)), key=lambda i: -len(parts[i])):
                if total <= _MAX_VARIANTS or len(parts[index]) <= 1:
                    break
                total //= len(parts[index])
                parts[index] = [(WILDCARD, False)]
        for combo in itertools.product(*parts):
            yield [text for text, _ in combo], all(exact for _, exact in combo)

    def _product(self, parts, sep: str) -> List[Tuple[str, bool]]:
        return _dedupe([(sep.join(texts), exact) for texts, exact in self._combos(parts)])

    def _format(self, value: Format, module_file: str, depth: int) -> List[Tuple[str, bool]]:
        out = []
        for template, template_exact in self.strings(value.template, module_file, depth + 1):
            args = [self.strings(a, module_file, depth + 1) for a in value.args]
            kwargs = [self.strings(a, module_file, depth + 1) for a in value.kwvalues]
            for combo, exact in self._combos(args + kwargs):
                positional = combo[: len(args)]
                named = dict(zip(value.kwnames, combo[len(args):]))
                text, filled = _fill(template, positional, named, value.style)
                out.append((text, exact and template_exact and filled))
        return _dedupe(out)[:_MAX_VARIANTS]


def _fill(template: str, positional: List[str], named: Dict[str, str], style: str) -> Tuple[str, bool]:
    complete = True
    counter = iter(range(10_000))
    if style == "percent":
        index = iter(range(10_000))

        def percent(match: "re.Match[str]") -> str:
            nonlocal complete
            if match.group(0) == "%%":
                return "%"
            i = next(index)
            if i < len(positional):
                return positional[i]
            complete = False
            return WILDCARD
        return _PERCENT.sub(percent, template), complete

    def brace(match: "re.Match[str]") -> str:
        nonlocal complete
        field_name = match.group(1).split(":")[0].split("!")[0]
        spec = match.group(1).split(":", 1)[1] if ":" in match.group(1) else ""
        if field_name == "":
            i = next(counter)
            if i < len(positional):
                return _spec(positional[i], spec)
        elif field_name.isdigit() and int(field_name) < len(positional):
            return _spec(positional[int(field_name)], spec)
        elif field_name in named:
            return _spec(named[field_name], spec)
        complete = False
        return WILDCARD
    return _BRACE.sub(brace, template), complete


def _spec(text: str, spec: str) -> str:
    """``{month:02d}`` of a known integer: ``1`` -> ``01`` (other format specs leave the text as it is)."""
    if spec and text.isdigit() and re.fullmatch(r"0?\d{1,2}d", spec):
        return format(int(text), spec)
    return text


def _join(texts: List[str]) -> str:
    result = ""
    for text in texts:
        if not text:
            continue
        if text.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", text) or text.startswith("~") or text.startswith(HERE_ROOT):
            result = text
        elif not result:
            result = text
        else:
            result = result.rstrip("/") + "/" + text
    return result or "."


def _path_op(op: str, text: str, arg: Optional[Sym], resolver: Resolver, module_file: str, depth: int) -> str:
    if op in ("abspath", "normpath", "expanduser"):
        return text
    if op == "dirname":
        text = text.rstrip("/")
        if text == HERE_ROOT or posixpath.basename(text) == "..":
            return text + "/.."
        return posixpath.dirname(text) or "."
    if op == "basename":
        return posixpath.basename(text.rstrip("/")) or WILDCARD
    if op == "stem":
        name = posixpath.basename(text)
        return posixpath.splitext(name)[0] or WILDCARD
    if op == "suffix":
        return posixpath.splitext(text)[1]
    if op == "columns":
        # a column name of a frame (``for c in df.columns``) named by ``add_prefix``/``add_suffix``
        return text
    if op in ("add_prefix", "add_suffix") and arg is not None:
        # the columns of ``df.add_prefix("f101_")``: the prefix, then an unknown name
        options = resolver.strings(arg, module_file, depth + 1)
        known = options[0][0] if len(options) == 1 else WILDCARD
        return known + WILDCARD if op == "add_prefix" else WILDCARD + known
    if op in ("with_suffix", "with_name") and arg is not None:
        new = resolver.strings(arg, module_file, depth + 1)[0][0]
        if op == "with_suffix":
            return posixpath.splitext(text)[0] + new
        return posixpath.join(posixpath.dirname(text), new)
    return WILDCARD


def _dedupe(items: List[Tuple[str, bool]]) -> List[Tuple[str, bool]]:
    seen = {}
    for text, exact in items:
        seen[text] = seen.get(text, True) and exact
    return list(seen.items())


def normalise(text: str, module_file: str, cwd: Optional[str] = None, project: str = "") -> Optional[ResolvedPath]:
    """A resolved string as a repo-relative path (``None`` when it names nothing useful).

    ``cwd`` is the folder (repo-relative, ``""`` for the root) the script runs from, when known: relative
    paths are taken from there (base ``script``), else from the folder of the file's project (base
    ``project``, see :mod:`debtscan.project.roots`) or the repo root (base ``root``) when the project is the scan
    root; ``__file__``-based paths from the file's own folder (base ``file``); absolute and home paths stay
    as they are.
    """
    exact = WILDCARD not in text
    base = PathBase.ROOT
    if text.startswith(TABLE_PREFIX):
        name = table_id(text)  # a table named in SQL (debtscan.facts.warehouse)
        return None if name is None else ResolvedPath(name, WILDCARD not in name, PathBase.WAREHOUSE,
                                                      kind=ArtifactKind.WAREHOUSE_TABLE)
    if storage_scheme(text) is not None:
        # s3://, gs://, abfss://, hdfs://, dbfs:/: an object-store prefix (see debtscan.artifacts)
        uri = object_store_id(text)
        return None if uri is None else ResolvedPath(uri, WILDCARD not in uri, PathBase.OBJECT_STORE,
                                                     kind=ArtifactKind.OBJECT_STORE)
    if _REMOTE.match(text):
        return None  # https://, ftp://...: not a file of the pipeline
    if text.startswith(HERE_ROOT):
        text = posixpath.normpath(text[len(HERE_ROOT):].lstrip("/") or ".")
        base = PathBase.FILE
    text = text.replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    if not text or text in (WILDCARD, ".", "/"):
        return None
    if text.startswith("/") or text.startswith("~") or re.match(r"^[A-Za-z]:/", text):
        return ResolvedPath(text, exact, PathBase.ABSOLUTE)
    if base is PathBase.ROOT and cwd:
        text = posixpath.join(cwd, text)
        base = PathBase.SCRIPT
    elif base is PathBase.ROOT and project:
        text = posixpath.join(project, text)
        base = PathBase.PROJECT
    normal = normalise_wildcards(posixpath.normpath(text))  # ``train_**.f`` is ``train_*.f``
    if normal.strip("*/.") == "":
        return None
    return ResolvedPath(normal, exact, base)


def leaves_root(text: str) -> bool:
    """Whether a relative path taken from the repo root points outside the repo (``../input/x.csv``)."""
    if not text or text.startswith(("/", "~", HERE_ROOT)) or re.match(r"^[A-Za-z]:[\\/]", text):
        return False
    return posixpath.normpath(text.replace("\\", "/")).startswith("..")


def too_generic(path: str) -> bool:
    """A pattern with too little known text to match anything meaningfully (``*/*.p``, ``*.csv``)."""
    if WILDCARD not in path:
        return False
    stem = path.rsplit("/", 1)
    last = stem[-1]
    if "." in last:
        last = last[: last.rindex(".")]
    known = (stem[0] + "/" + last if len(stem) == 2 else last)
    known = re.sub(r"[*/._\-]|\.\.", "", known)
    return len(known) < 3


def matches(pattern_a: str, pattern_b: str) -> bool:
    """Whether two resolved paths (either may hold wildcards) can name the same file, segment by segment
    (a ``*`` stands for part of one segment: :mod:`debtscan.project.segments`)."""
    if pattern_a == pattern_b:
        return True
    if WILDCARD in pattern_a and WILDCARD in pattern_b:
        # two guesses only meet when both know where they are (``*/urls.txt`` meets nothing)
        if pattern_a.startswith(WILDCARD) or pattern_b.startswith(WILDCARD):
            return False
        return compatible(pattern_a, pattern_b)
    for pattern in (pattern_a, pattern_b):
        if pattern.startswith(WILDCARD) and not _literal_folder(pattern):
            return False
    if WILDCARD in pattern_a:
        return pattern_regex(pattern_a).match(pattern_b) is not None
    if WILDCARD in pattern_b:
        return pattern_regex(pattern_b).match(pattern_a) is not None
    return False


def _literal_folder(pattern: str) -> bool:
    """Whether a pattern names at least one folder literally (``*/data/features/x.csv``, not ``*/x.csv``)."""
    return any(part and WILDCARD not in part and part not in (".", "..") for part in pattern.split("/")[:-1])


def globs_overlap(a: str, b: str) -> bool:
    """Whether some path matches both ``*`` patterns (``feature/trainT-*/w3/*.p`` and ``feature/trainT-0/w3/*``),
    segment by segment."""
    return compatible(a, b)


class PathIndex:
    """Resolved paths (exact ones and ``*`` patterns) filed by their literal ends, to find the ones that may
    name the same file as a given path without comparing every pair.

    Two paths can only match (``fnmatch`` either way, or two globs overlapping) when their literal heads (the
    text before the first ``*``, the whole text of an exact path) are prefix-comparable, and likewise their
    literal tails. :meth:`candidates` returns a superset of the matching paths, found by one dictionary look-up
    per prefix of the query's head (patterns whose head is a prefix of it) plus a binary search for the
    paths that extend it; a pattern that starts with ``*`` is filed under its tail instead. Building costs
    O(n log n); a query O(len(path) + log n + candidates). Callers apply their exact predicate
    (:func:`matches`, a regex) to the candidates only.
    """

    def __init__(self, paths: Iterable[str] = ()) -> None:
        self._all: List[str] = []
        self._heads: Dict[str, List[str]] = {}
        self._tails: Dict[str, List[str]] = {}
        self._free: List[str] = []
        self._seen: set = set()
        self._sorted: Optional[List[str]] = None
        self._reversed: Optional[List[str]] = None
        for path in paths:
            self.add(path)

    def add(self, path: str) -> None:
        if path in self._seen:
            return
        self._seen.add(path)
        self._all.append(path)
        self._sorted = self._reversed = None
        if WILDCARD not in path:
            return
        head = path.split(WILDCARD, 1)[0]
        if head:
            self._heads.setdefault(head, []).append(path)
            return
        tail = path.rsplit(WILDCARD, 1)[1]
        if tail:
            self._tails.setdefault(tail, []).append(path)
        else:
            self._free.append(path)

    def __contains__(self, path: str) -> bool:
        return path in self._seen

    def __len__(self) -> int:
        return len(self._all)

    def _ready(self) -> None:
        if self._sorted is None:
            self._sorted = sorted(self._all)
            self._reversed = sorted(p[::-1] for p in self._all)

    def candidates(self, query: str) -> List[str]:
        """Indexed paths that may name the same file as ``query`` (a superset; sorted, no duplicates)."""
        import bisect

        self._ready()
        out: set = set(self._free)
        pattern = WILDCARD in query
        head = query.split(WILDCARD, 1)[0] if pattern else query
        tail = query.rsplit(WILDCARD, 1)[1] if pattern else query
        if not pattern and query in self._seen:
            out.add(query)
        for end in range(1, len(head) + 1):
            found = self._heads.get(head[:end])
            if found:
                out.update(found)
        for start in range(len(tail)):
            found = self._tails.get(tail[start:])
            if found:
                out.update(found)
        if pattern:
            if head:
                low = bisect.bisect_left(self._sorted, head)
                high = bisect.bisect_left(self._sorted, head + "\U0010ffff")
                out.update(self._sorted[low:high])
            elif tail:
                reverse = tail[::-1]
                low = bisect.bisect_left(self._reversed, reverse)
                high = bisect.bisect_left(self._reversed, reverse + "\U0010ffff")
                out.update(p[::-1] for p in self._reversed[low:high])
            else:
                out.update(self._all)
        return sorted(out)
