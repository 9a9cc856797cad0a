"""The typed facts of the external-world family (:mod:`debtscan.facts.external` collects them): where models
predict, fixed thresholds on their outputs, candidate request handlers, classes, explicit checks of data and
reads guarded against a missing file. Plain frozen dataclasses, serialisable like every other fact."""
from __future__ import annotations

from enum import Enum
from typing import Optional, Tuple

from debtscan.facts.schema import fact
from debtscan.facts.values import Sym


@fact
class PredictionFact:
    """A call that makes predictions (``model.predict_proba(X)``), by model: ``model`` is its name here,
    ``model_line`` the line of its :class:`~debtscan.facts.model.ModelFact` (the model's identity in the
    project, ``model:<path>:<model_line>``), ``fitted`` whether this file trains it, ``artifact`` where it
    was loaded from when known."""

    model: str
    model_line: int
    method: str
    line: int
    column: int
    scope: str
    fitted: bool = False
    artifact: Optional[Sym] = None


@fact
class ThresholdFact:
    """A model's predictions compared with a fixed number: ``proba > 0.73``, ``np.where(s >= 0.5, ...)``.

    ``subject`` is the compared expression as written (shortened), ``value`` the number's source text,
    ``constant`` the module-level name it came through (``THRESHOLD``), if any, and ``constant_line`` where
    that name is bound."""

    model: str
    model_line: int
    op: str
    value: str
    line: int
    column: int
    scope: str
    subject: str = ""
    constant: str = ""
    constant_line: int = 0


@fact
class EndpointFact:
    """A decorated function, a candidate request handler: its decorators as qualified names (``?.post`` for a
    method of a value of unknown type, such as ``app.post``), the route given to them, and its parameters'
    annotations as (parameter, qualified name; ``""`` when none). Or a function handed to a call as a
    callback (``gr.Interface(fn=predict)``): ``decorators`` then holds the callee, ``callback`` is set."""

    function: str
    line: int
    decorators: Tuple[str, ...] = ()
    routes: Tuple[str, ...] = ()
    annotations: Tuple[Tuple[str, str], ...] = ()
    callback: bool = False


@fact
class ClassFact:
    """A class and its bases' qualified names (pydantic models, request handler classes)."""

    name: str
    line: int
    bases: Tuple[str, ...] = ()


class CheckKind(Enum):
    """What makes a statement a check of data."""

    ASSERT = "assert"    # ``assert set(COLUMNS) <= set(df.columns)``
    REJECT = "reject"    # ``if df.isnull().any().any(): raise ValueError(...)`` (or abort, or answer 4xx)


class GuardKind(Enum):
    """Why reads in a stretch of lines are optional."""

    EXISTS = "exists"    # inside ``if os.path.exists(p):`` (or isfile, Path.exists)
    TRY = "try"          # inside a ``try`` that catches FileNotFoundError / OSError


@fact
class CheckFact:
    """An explicit check of data: an ``assert``, or an ``if`` whose body raises, aborts or answers with a
    client error (``if df.isnull().any(): raise ValueError``). ``names`` are the names its test reads."""

    line: int
    scope: str
    kind: CheckKind
    names: Tuple[str, ...] = ()


@fact
class GuardFact:
    """Lines ``line``..``end_line`` run only when a file exists (``if os.path.exists(p):``) or inside a
    ``try`` that catches a missing file: reads there are optional inputs."""

    line: int
    end_line: int
    kind: GuardKind


@fact
class ExternalFacts:
    """One file's facts about predictions and the world they meet."""

    predictions: Tuple[PredictionFact, ...] = ()
    thresholds: Tuple[ThresholdFact, ...] = ()
    endpoints: Tuple[EndpointFact, ...] = ()
    classes: Tuple[ClassFact, ...] = ()
    checks: Tuple[CheckFact, ...] = ()
    guards: Tuple[GuardFact, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.predictions or self.thresholds or self.endpoints or self.classes or self.checks
                    or self.guards)
