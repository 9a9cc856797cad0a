"""The facts of value flow: what a local value is made of, and per function what its parameters reach and
what it returns (its *summary*), with calls to other functions left symbolic.

These are per-file facts, computed in the single pass (:mod:`debtscan.facts.summaries`) and cached with the
other facts. The cross-file stage (:mod:`debtscan.project.flow`) evaluates them at every call site with the
arguments actually passed.

A value is a :class:`Flow`: the *origins* its data comes from (a file read, a parameter, the result of a
call site, an estimator made here, a model fitted here, a model's predictions, an attribute of ``self``) and
the *columns* selected to make it. Origins are small typed facts, not strings.
"""
from __future__ import annotations

from typing import Optional, Tuple, Union

from debtscan.facts.schema import fact
from debtscan.facts.values import Sym


@fact
class FromRead:
    """Data read from a file (``pd.read_parquet(path)``) at ``line``; ``path`` as written there."""

    path: Sym
    line: int


@fact
class FromParam:
    """The value of parameter ``name`` of the enclosing function."""

    name: str


@fact
class FromCall:
    """What call site number ``site`` (an index into :attr:`FlowFacts.sites`) returns."""

    site: int


@fact
class FromEstimator:
    """A model made here by an estimator constructor or a pipeline (``make_pipeline(enc, Ridge())``)."""

    api: str
    line: int


@fact
class FromFit:
    """The model fitted by :class:`FitSite` number ``fit`` of this file."""

    fit: int


@fact
class FromPrediction:
    """Predictions (``predict``, ``predict_proba``...) at ``line`` of the model whose origins are ``model``.
    ``given``: a forward pass of a parameter (``def run_epoch(model, loader): ... model(x)``), a prediction
    only when the call passes a model there, or when the function trains that parameter in a loop of its own
    (:class:`FitSite` ``backward`` on it)."""

    model: Tuple["Origin", ...]
    line: int
    given: bool = False


@fact
class FromAttr:
    """``self.<name>`` inside a method: whatever the class's methods assign to it."""

    name: str


Origin = Union[FromRead, FromParam, FromCall, FromEstimator, FromFit, FromPrediction, FromAttr]


@fact
class Column:
    """A column selected at a place: a literal ``name``, or the feature-list constant ``via`` (resolved across
    files when the project is built), or whatever columns the enclosing function's parameter ``param`` holds
    at each call (``def select(df, cols): return df[cols]``)."""

    name: str
    line: int
    column: int
    via: str = ""
    param: str = ""


@fact
class Derived:
    """A column assigned into a frame (``df["score"] = model.predict(X)``, ``df["ratio"] = df["a"] / df["b"]``):
    the origins of its values and the columns it is computed from."""

    name: str
    origins: Tuple[Origin, ...]
    inputs: Tuple[Column, ...] = ()


@fact
class Flow:
    """What a value is made of: its origins and the columns selected to make it (empty: all of them)."""

    origins: Tuple[Origin, ...] = ()
    columns: Tuple[Column, ...] = ()
    derived: Tuple[Derived, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.origins or self.columns or self.derived)


@fact
class CallSite:
    """A call of a function that may be the project's own (``features.usage_matrix(frame)``, ``self.save()``,
    ``Model(out).train(X)``), with what each argument is made of. ``receiver`` is the object a method is
    called on; ``callee`` the qualified name as far as this file knows it (``?.train`` for a method of a value
    of unknown type). ``star`` / ``dstar`` name the enclosing function's ``*args`` / ``**kwargs`` when the
    call forwards them (``return inner(*args, **kwargs)``): whatever the enclosing function was given there."""

    index: int
    callee: str
    line: int
    column: int
    scope: str
    args: Tuple[Flow, ...] = ()
    kwnames: Tuple[str, ...] = ()
    kwargs: Tuple[Flow, ...] = ()
    receiver: Optional[Flow] = None
    star: str = ""
    dstar: str = ""


@fact
class FitSite:
    """A model fitted or trained here (``model.fit(X, y, sample_weight=w)``, ``lgb.train(params, dtrain)``):
    what the model, its inputs, its labels and its sample weights are made of."""

    index: int
    line: int
    column: int
    scope: str
    method: str
    model: Flow
    x: Flow
    y: Flow = Flow()
    weight: Flow = Flow()
    name: str = ""


@fact
class WriteSite:
    """A write (``np.save(path, oof)``, ``df.to_feather(path)``): the I/O fact's line and what is written."""

    line: int
    column: int
    scope: str
    path: Sym
    value: Flow


@fact
class AttrSet:
    """``self.<name> = value`` in method ``scope`` of class ``cls``; ``path`` is the value as a symbolic path
    (``self.out_dir = out_dir`` -> the parameter), when it can be one."""

    cls: str
    name: str
    line: int
    scope: str
    value: Flow
    path: Optional[Sym] = None


@fact
class ParamReach:
    """Where one parameter of a function goes: columns selected from it, the roles in which it reaches a
    ``fit`` (``x``, ``y``, ``weight``), whether a model is asked to predict on it, whether it reaches a file
    path, whether the function returns it (or something made from it), the call sites it is passed to."""

    name: str
    columns: Tuple[Column, ...] = ()
    fit_roles: Tuple[str, ...] = ()
    predicted: bool = False
    path: bool = False
    written: bool = False
    returned: bool = False
    passed: Tuple[int, ...] = ()


@fact
class FunctionSummary:
    """A function's or method's summary: its parameters' reach and what it returns (``returns``);
    ``varargs`` / ``varkw`` name its ``*args`` / ``**kwargs`` parameters, if any; ``path`` is the path it
    returns, symbolic in its parameters (``def feature_path(name): return f"../feature/{name}.f"``), which
    the cross-file stage instantiates with each call's arguments (:mod:`debtscan.project.calls`); ``adapter``
    is the conversion its returned value went through (the glue its callers' lines do by calling it)."""

    name: str
    params: Tuple[str, ...]
    line: int
    returns: Flow = Flow()
    reach: Tuple[ParamReach, ...] = ()
    is_method: bool = False
    varargs: str = ""
    varkw: str = ""
    path: Optional[Sym] = None
    #: the conversion that made the value it returns (``return df.values``: ``pandas->numpy``), for the glue
    #: of its callers (:mod:`debtscan.project.composition`); ``adapter_via``: the function whose returned
    #: value it returns (``return to_matrix(frame)``), when its own line says nothing
    adapter: str = ""
    adapter_via: str = ""

    def param(self, name: str) -> Optional[ParamReach]:
        for reach in self.reach:
            if reach.name == name:
                return reach
        return None


@fact
class FlowFacts:
    """The value-flow facts of one file."""

    summaries: Tuple[FunctionSummary, ...] = ()
    sites: Tuple[CallSite, ...] = ()
    fits: Tuple[FitSite, ...] = ()
    writes: Tuple[WriteSite, ...] = ()
    attrs: Tuple[AttrSet, ...] = ()

    def summary(self, name: str) -> Optional[FunctionSummary]:
        for summary in self.summaries:
            if summary.name == name:
                return summary
        return None
