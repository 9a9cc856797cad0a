"""FileFacts: everything debtscan needs to know about one file, as plain data.

A FileFacts depends on its file's bytes (and the extraction-relevant config) alone, so it can be cached
by content hash and computed in any process. Lines are 1-based; columns are 0-based, as in ruff's JSON.
For notebooks, lines count through the concatenated code cells; ``cells`` maps them back.
"""
from __future__ import annotations

from typing import Optional, Tuple

from debtscan.errors import ErrorKind
from debtscan.facts.schema import fact, register
from debtscan.facts.summary_model import FlowFacts
from debtscan.facts.values import Sym
from debtscan.sources.text import CellSpan

register(ErrorKind)
register(CellSpan)


LINE_KINDS = ("ml", "glue", "io", "config", "other")
"""The classes a logical line can have (:class:`StatementFact.kind`), in the order they win."""


@fact
class ImportFact:
    """``import a.b as c`` / ``from a import b as c``: ``alias`` is bound to ``target`` (a qualified name)."""

    target: str
    alias: str
    line: int
    is_from: bool = False


@fact
class CallFact:
    """A call whose callee resolved to a qualified name through import aliases (``pandas.read_csv``).

    Method calls on values of a known type are named ``<type>.<method>`` (``pandas.DataFrame.merge``);
    method calls on values of unknown type are named ``?.<method>``.
    """

    qualname: str
    line: int
    column: int
    scope: str


@fact
class ConstantFact:
    """A module-level assignment of a value debtscan can follow symbolically."""

    name: str
    value: Sym
    line: int


@fact
class FunctionFact:
    """A function or method definition; ``name`` is qualified within the module (``Class.method``)."""

    name: str
    params: Tuple[str, ...]
    line: int
    end_line: int


@fact
class IOFact:
    """A read or write of a file: ``mode`` is ``read`` or ``write``; ``api`` the catalogue entry matched.

    ``target`` says what ``path`` names: ``path`` (a file or an object-store URI) or ``table`` (a warehouse
    table's name, from ``to_sql``, ``saveAsTable`` or a SQL string).
    """

    mode: str
    api: str
    path: Sym
    line: int
    column: int
    scope: str
    fmt: str = ""
    value: str = ""
    target: str = "path"


@fact
class PathCallFact:
    """A call to a function that may be a project helper, with the arguments kept symbolic.

    Recorded when the callee is not a known library and some argument is known at least in part (a
    literal, a constant, a parameter of the caller...). At graph time these calls instantiate helpers whose
    parameters flow into I/O paths (``utils.to_pickles(df, "../feature/x", 10)`` writes
    ``feature/x/*.p``), across modules and through several levels of helpers.
    """

    callee: str
    args: Tuple[Sym, ...]
    kwnames: Tuple[str, ...]
    kwvalues: Tuple[Sym, ...]
    line: int
    column: int
    scope: str


@fact
class RunFact:
    """A script this file runs (``os.system("python x.py")``, ``subprocess.run([...])``), in order."""

    target: Sym
    line: int
    cwd: Optional[Sym] = None


@fact
class StatementFact:
    """One logical line (statement) of code and its class: ``ml``, ``glue``, ``io``, ``config`` or ``other``.

    ``shape`` is the statement with names, strings and numbers abstracted (for repeated-glue detection);
    ``adapters`` names the conversions it makes (``pandas->numpy``).
    """

    line: int
    end_line: int
    kind: str
    shape: str = ""
    adapters: Tuple[str, ...] = ()
    scope: str = ""


@fact
class SignalFact:
    """A signal (column / feature key) consumed, or derived from other signals.

    ``frame`` names the local value it was read from and ``source`` the artifact that value was loaded
    from, when known. ``via`` is the feature-list constant it came through (``config.FEATURES``), if any.
    """

    name: str
    kind: str
    line: int
    column: int
    scope: str
    frame: str = ""
    source: Optional[Sym] = None
    via: str = ""
    inputs: Tuple[str, ...] = ()


@fact
class ModelFact:
    """A model fitted or trained here, its input signals, and where its predictions go.

    ``kind`` is ``fit`` (trained here) or ``predict`` (only used here, e.g. loaded from ``artifact``); for a
    fitted model ``artifact`` is where it was saved. ``outputs`` say where predictions went (``column:<name>``,
    ``file``, ``return``), ``output_artifacts`` the files they were written to. ``input_models`` names models
    of this file (``name@scope``) whose predictions are among the inputs.
    """

    name: str
    api: str
    line: int
    scope: str
    inputs: Tuple[str, ...] = ()
    input_sources: Tuple[Sym, ...] = ()
    feature_lists: Tuple[str, ...] = ()
    outputs: Tuple[str, ...] = ()
    kind: str = "fit"
    artifact: Optional[Sym] = None
    output_artifacts: Tuple[Sym, ...] = ()
    targets: Tuple[str, ...] = ()
    input_models: Tuple[str, ...] = ()


@fact
class TaskFact:
    """A task of an orchestrator (Airflow, Prefect, Luigi...), or a call of a task inside a flow's body.

    ``name`` is how the file refers to the task (the variable an operator is bound to, the decorated
    function's name); ``kind`` is ``command`` (a shell command: ``BashOperator(bash_command=...)``),
    ``script`` (a script run as a job: ``SparkSubmitOperator(application=...)``), ``callable`` (a Python
    function: ``PythonOperator(python_callable=f)``, ``callable`` its qualified name), ``function`` (a
    decorated task function defined here) or ``call`` (a task called, in order, in the body of flow
    ``scope``). ``framework`` names the orchestrator (``airflow``, ``prefect``...).
    """

    name: str
    kind: str
    framework: str
    line: int
    scope: str = ""
    command: Optional[Sym] = None
    callable: str = ""


@fact
class TaskEdgeFact:
    """``upstream >> downstream`` (``set_downstream``, ``chain``, Luigi's ``requires``): run order of tasks."""

    upstream: str
    downstream: str
    line: int


@fact
class AssetFact:
    """An asset of a declared data pipeline (a Dagster ``@asset``): its name, the function computing it and
    the assets it depends on (``deps=``, ``ins=``, parameters)."""

    name: str
    function: str
    line: int
    deps: Tuple[str, ...] = ()
    framework: str = "dagster"


@fact
class SuppressionFact:
    """A ``# debtscan: ignore[...]`` comment; empty ``codes`` means every rule."""

    line: int
    codes: Tuple[str, ...]
    file_level: bool = False


@fact
class DeadBlockFact:
    """Code that can never run: ``line``..``end_line`` follow an unconditional ``raise``/``return``/
    ``assert False``/``sys.exit()``/``break``/``continue`` in the same block (``reason`` names it, ``at`` its
    line), or form the body of ``if False:``/``if 0:``/``while False:``."""

    line: int
    end_line: int
    reason: str
    at: int
    scope: str
    statements: int = 0


@fact
class FlagFact:
    """A module-level name bound once, to ``True``/``False``/``0``/``1``, that ``if`` statements test.

    ``tests`` are the lines of the ``if NAME:`` / ``if not NAME:`` statements in this file; ``rebound`` is set
    when the name is also assigned elsewhere in the file (a loop, a function with ``global``, argparse)."""

    name: str
    value: bool
    line: int
    tests: Tuple[int, ...] = ()
    rebound: bool = False


@fact
class SettingFact:
    """A literal setting: ``key`` written with the literal ``value`` (its source text, literals normalised).

    ``where`` is ``kwarg`` (``learning_rate=0.05`` in a call to ``callee``), ``dict`` (``{"eta": 0.1}``, a
    dict display or ``dict(...)`` call, ``block`` its index among this file's config blocks) or ``constant``
    (a module-level ``NAME = literal``)."""

    key: str
    value: str
    line: int
    column: int
    where: str
    callee: str = ""
    block: int = -1
    scope: str = ""


@fact
class ConfigBlockFact:
    """A dict display, ``dict(...)`` call or call with several literal keyword arguments: a block of settings.

    ``keys`` are its literal keys in source order; ``literals`` how many values are literals."""

    index: int
    kind: str
    callee: str
    keys: Tuple[str, ...]
    literals: int
    line: int
    end_line: int
    scope: str = ""
    target: str = ""


@fact
class FingerprintFact:
    """The file's structure for clone detection: one hash per logical line of code (names kept, strings and
    numbers normalised, comments and layout dropped) and a MinHash signature of the set of consecutive
    statement pairs (one-permutation hashing, densified), compared across files by LSH."""

    hashes: Tuple[int, ...]
    lines: Tuple[int, ...]
    signature: Tuple[int, ...]
    generated: bool = False
    managed_copies: int = 0


@fact
class FileFacts:
    """What one file says."""

    path: str
    module: str
    is_package: bool = False
    notebook: bool = False
    cells: Tuple[CellSpan, ...] = ()
    imports: Tuple[ImportFact, ...] = ()
    calls: Tuple[CallFact, ...] = ()
    constants: Tuple[ConstantFact, ...] = ()
    functions: Tuple[FunctionFact, ...] = ()
    io: Tuple[IOFact, ...] = ()
    runs: Tuple[RunFact, ...] = ()
    path_calls: Tuple[PathCallFact, ...] = ()
    statements: Tuple[StatementFact, ...] = ()
    signals: Tuple[SignalFact, ...] = ()
    models: Tuple[ModelFact, ...] = ()
    tasks: Tuple[TaskFact, ...] = ()
    task_edges: Tuple[TaskEdgeFact, ...] = ()
    assets: Tuple[AssetFact, ...] = ()
    suppressions: Tuple[SuppressionFact, ...] = ()
    dead_blocks: Tuple[DeadBlockFact, ...] = ()
    flags: Tuple[FlagFact, ...] = ()
    settings: Tuple[SettingFact, ...] = ()
    config_blocks: Tuple[ConfigBlockFact, ...] = ()
    fingerprint: Optional[FingerprintFact] = None
    flows: Optional[FlowFacts] = None
    names: Tuple[str, ...] = ()
    main_guard: int = 0
    top_level_calls: int = 0
    code_lines: int = 0
    error: Optional[str] = None
    error_kind: Optional[ErrorKind] = None  # set with ``error``: what kind of failure it is

    def cell_of(self, line: int) -> Optional[Tuple[int, int]]:
        """For a notebook: (cell index, line inside the cell) of a line of the concatenated code."""
        for cell in self.cells:
            if cell.start_line <= line < cell.start_line + cell.lines:
                return cell.index, line - cell.start_line + 1
        return None
