"""FileFacts: everything debtscan needs to know about one file, as plain data.

A FileFacts depends on its file's bytes (and the extraction-relevant config) alone, so it can be cached
by content hash and computed in any process. Lines are 1-based; columns are 0-based, as in ruff's JSON.
For notebooks, lines count through the concatenated code cells; ``cells`` maps them back.
"""
from __future__ import annotations

from typing import Optional, Tuple

from debtscan.errors import ErrorKind
from debtscan.facts.enums import FactEnum
from debtscan.facts.external_model import ExternalFacts
from debtscan.facts.schema import fact, register
from debtscan.facts.summary_model import FlowFacts
from debtscan.facts.values import Sym
from debtscan.knowledge.code_classes import CLASSES
from debtscan.sources.text import CellSpan

MODULE_SCOPE = "<module>"  # the scope name of a module's top-level code (facts name their scope)

register(ErrorKind)
register(CellSpan)


class IOMode(FactEnum):
    """:class:`IOFact.mode`: the file (table, object) is read or written."""

    READ = "read"
    WRITE = "write"


class IOTarget(FactEnum):
    """:class:`IOFact.target`: what the path names."""

    PATH = "path"    # a file, folder or object-store URI
    TABLE = "table"  # a warehouse table


LineKind = FactEnum("LineKind", [(name.upper(), name) for name in CLASSES], module=__name__)
LineKind.__doc__ = """:class:`StatementFact.kind`: the class of a logical line (``knowledge.code_classes.CLASSES``)."""

LINE_KINDS = tuple(LineKind)
"""The classes a logical line can have (:class:`StatementFact.kind`), in the order reports show them (the
boxes of Sculley et al. 2015, Figure 1; see :mod:`debtscan.facts.lines` for which wins)."""


class SignalKind(FactEnum):
    """:class:`SignalFact.kind`."""

    COLUMN = "column"          # a column of a frame read (``df["age"]``)
    KEY = "key"                # a key of a record (``row["age"]``)
    DERIVED = "derived"        # a column written from others (``df["r"] = df.a / df.b``)
    PREDICTION = "prediction"  # a column holding a model's predictions
    FLOW = "flow"              # lineage: the artifacts (``source``) whose data flows into a write at this line
    BIND = "bind"              # a feature list passed to a parameter (``frame`` names the parameter)
    LIST = "list"              # a feature-list constant used as a whole (``via``)


class ModelKind(FactEnum):
    """:class:`ModelFact.kind`."""

    FIT = "fit"          # trained here
    PREDICT = "predict"  # only used here (loaded, or made elsewhere)


class OutputKind(FactEnum):
    """Where a model's predictions go (:class:`PredictionOutput`)."""

    COLUMN = "column"  # a column of a frame (``name``)
    FILE = "file"      # a file written (``ModelFact.output_artifacts``)
    RETURN = "return"  # returned by the function


@fact
class PredictionOutput:
    """One place a model's predictions go; ``name`` is the column for :attr:`OutputKind.COLUMN`."""

    kind: OutputKind
    name: str = ""


@fact
class ModelRef:
    """A model of the same file by the variable it is bound to and the scope it is bound in."""

    name: str
    scope: str


class TaskKind(FactEnum):
    """:class:`TaskFact.kind` (see there)."""

    COMMAND = "command"
    SCRIPT = "script"
    CALLABLE = "callable"
    FUNCTION = "function"
    CALL = "call"
    FLOW = "flow"
    LUIGI = "luigi"


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

    mode: IOMode
    api: str
    path: Sym
    line: int
    column: int
    scope: str
    fmt: str = ""
    value: str = ""
    target: IOTarget = IOTarget.PATH


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


class Arity(FactEnum):
    """:class:`CliArg.arity`: how many command-line words an argument takes."""

    NONE = "none"          # a flag: ``action="store_true"``, ``count``, ``store_const``
    ONE = "one"            # one value (the default)
    OPTIONAL = "optional"  # ``nargs="?"``: zero or one
    MANY = "many"          # ``nargs="+"`` / ``"*"`` / a number: every value up to the next option


@fact
class CliArg:
    """An argument the script's command line declares (``parser.add_argument``): ``dest`` its name in the
    parsed namespace, ``flags`` its option strings (``()`` for a positional), ``position`` its place among
    the positionals (``-1`` for an option), ``default``, literal ``choices`` and ``arity``."""

    dest: str
    flags: Tuple[str, ...]
    position: int
    line: int
    default: Optional[Sym] = None
    choices: Tuple[str, ...] = ()
    arity: Arity = Arity.ONE


@fact
class StatementFact:
    """One logical line (statement) of code and its class (one of :data:`LINE_KINDS`: ``ml``, ``glue``, ``io``,
    ``prep``, ``verify``, ``config``, ``process``, ``serving``, ``monitoring``, ``analysis``, ``other``), as far
    as its own file shows; calls of the project's own functions are classified across files later
    (:mod:`debtscan.project.composition`).

    ``shape`` is the statement with names, strings and numbers abstracted (for repeated-glue detection);
    ``adapters`` names the conversions it makes (``pandas->numpy``). ``through``: when a converted value came
    from a call of a project function (``X = to_matrix(frame)`` ... ``X.astype("float32")``), all of its
    conversions with that value's package symbolic (``@m.to_matrix~?->@m.to_matrix~?``: the package of what
    ``m.to_matrix`` returns, ``?`` until it is known), decided across files
    (:mod:`debtscan.project.composition`); ``adapters`` is then what they read as without that function. On a
    line of class ``other``, the uses of such a value whose class depends on its package instead: the methods
    no catalogue classifies called on it (``m = X.mean()``: ``@m.to_matrix:mean``) and a new column of it
    (``X["n"] = 0``: ``@m.to_matrix:[]``), classified across files once that package is known.
    """

    line: int
    end_line: int
    kind: LineKind
    shape: str = ""
    adapters: Tuple[str, ...] = ()
    scope: str = ""
    through: Tuple[str, ...] = ()


@fact
class SignalFact:
    """A signal (column / feature key) consumed, or derived from other signals.

    ``frame`` names the local value it was read from and ``source`` the artifact that value was loaded
    from, when known. ``via`` is the feature-list constant it came through (``config.FEATURES``), if any.
    A derived signal's ``inputs`` are the signals it is computed from and ``input_lists`` the feature-list
    constants among them; a prediction's ``models`` are the models of this file whose predictions it holds.
    """

    name: str
    kind: SignalKind
    line: int
    column: int
    scope: str
    frame: str = ""
    source: Optional[Sym] = None
    via: str = ""
    inputs: Tuple[str, ...] = ()
    input_lists: Tuple[str, ...] = ()
    models: Tuple["ModelRef", ...] = ()


@fact
class ModelFact:
    """A model fitted or trained here, its input signals, and where its predictions go.

    ``kind`` is :attr:`ModelKind.FIT` (trained here) or :attr:`ModelKind.PREDICT` (only used here, e.g.
    loaded from ``artifact``); for a fitted model ``artifact`` is where it was saved. ``outputs`` say where
    predictions went (a column, a file, returned), ``output_artifacts`` the files they were written to.
    ``input_models`` are the models of this file whose predictions are among the inputs. ``targets`` are the
    label signals, ``target_lists`` the feature-list constants the labels came through.
    """

    name: str
    api: str
    line: int
    scope: str
    inputs: Tuple[str, ...] = ()
    input_sources: Tuple[Sym, ...] = ()
    feature_lists: Tuple[str, ...] = ()
    outputs: Tuple[PredictionOutput, ...] = ()
    kind: ModelKind = ModelKind.FIT
    artifact: Optional[Sym] = None
    output_artifacts: Tuple[Sym, ...] = ()
    targets: Tuple[str, ...] = ()
    input_models: Tuple[ModelRef, ...] = ()
    target_lists: Tuple[str, ...] = ()


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
    kind: TaskKind
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
class PipelineNodeFact:
    """A node of a declared pipeline (Kedro's ``node(func, inputs, outputs)``): the function it runs (its
    qualified name) and the datasets it reads and writes, by their catalogue names (``params:`` inputs
    left out)."""

    function: str
    inputs: Tuple[str, ...]
    outputs: Tuple[str, ...]
    line: int
    name: str = ""
    framework: str = "kedro"


@fact
class StepArtifactFact:
    """A Metaflow artifact: ``self.<name>`` written (assigned) or read in ``step`` of the flow class ``flow``
    (its scope). Metaflow stores every artifact a step assigns and hands it to the steps after it: a value
    written in one step and read in a later one is a declared hand-off."""

    flow: str
    step: str
    name: str
    mode: IOMode
    line: int


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
    cli: Tuple[CliArg, ...] = ()  # the arguments its command line declares (argparse)
    path_calls: Tuple[PathCallFact, ...] = ()
    statements: Tuple[StatementFact, ...] = ()
    signals: Tuple[SignalFact, ...] = ()
    models: Tuple[ModelFact, ...] = ()
    tasks: Tuple[TaskFact, ...] = ()
    task_edges: Tuple[TaskEdgeFact, ...] = ()
    assets: Tuple[AssetFact, ...] = ()
    step_artifacts: Tuple[StepArtifactFact, ...] = ()
    pipeline_nodes: Tuple[PipelineNodeFact, ...] = ()
    suppressions: Tuple[SuppressionFact, ...] = ()
    dead_blocks: Tuple[DeadBlockFact, ...] = ()
    flags: Tuple[FlagFact, ...] = ()
    settings: Tuple[SettingFact, ...] = ()
    config_blocks: Tuple[ConfigBlockFact, ...] = ()
    fingerprint: Optional[FingerprintFact] = None
    external: Optional[ExternalFacts] = None  # predictions, thresholds, handlers, checks (DS4xx)
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
