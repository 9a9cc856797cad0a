"""The store: one codec for facts (on disk and between processes), no generated code, typed error kinds."""
import builtins
import marshal

import pytest

from debtscan.config import Config
from debtscan.engine import knowledge_for
from debtscan.errors import ErrorKind
from debtscan.sources.files import FileTask
from debtscan.store import codec
from debtscan.store.codec import dumps, loads
from debtscan.store.work import cacheable, extract_file, failed

KNOWLEDGE = knowledge_for(Config())
TRAIN = b"""import pandas as pd
from sklearn.linear_model import LogisticRegression

df = pd.read_csv("data/train.csv")
model = LogisticRegression().fit(df[["a"]], df["y"])
if model.score(df[["a"]], df["y"]) > 0.9:  # debtscan: ignore[DS502]
    df.to_parquet("data/scored.parquet")
"""


def facts_of(data: bytes, path: str = "train.py"):
    return extract_file("/nonexistent", FileTask(path, path[:-3], False), KNOWLEDGE, 1_000_000, data=data)


def test_facts_round_trip_through_the_codec_byte_for_byte():
    facts = facts_of(TRAIN)
    assert facts.error is None and facts.io and facts.suppressions
    blob = dumps(facts)
    assert loads(blob) == facts
    assert dumps(loads(blob)) == blob


def test_the_codec_builds_its_encoders_and_decoders_without_generating_code(monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("the codec generated code")

    monkeypatch.setattr(codec, "_ENCODERS", {})  # encoders are made afresh for every class
    monkeypatch.setattr(builtins, "exec", refused)
    monkeypatch.setattr(builtins, "eval", refused)
    monkeypatch.setattr(builtins, "compile", refused)
    facts = facts_of(TRAIN)
    assert loads(dumps(facts)) == facts


def test_an_error_kind_is_kept_by_the_codec_and_decides_what_is_cached():
    task = FileTask("gen.py", "gen", False)
    timeout = failed(task, "analysis took longer than 60 s (machine-generated code?): skipped", ErrorKind.TIMEOUT)
    assert loads(dumps(timeout)).error_kind is ErrorKind.TIMEOUT
    assert not cacheable(timeout)  # retried by the next scan
    syntax = facts_of(b"print 'hello'\n", "old.py")
    assert syntax.error_kind is ErrorKind.SOURCE and syntax.error.startswith("syntax error at line 1")
    assert cacheable(syntax)  # the bytes alone decide it
    assert cacheable(facts_of(TRAIN))


def test_data_no_encoder_wrote_is_refused_not_obeyed():
    decode = codec.make_decoder()
    with pytest.raises(KeyError):
        decode(marshal.loads(marshal.dumps(["system", "rm -rf /"])))  # a name that is no fact class
    with pytest.raises(ValueError, match="wrong number of fields"):
        decode(["CellSpan", 1, 2])
    with pytest.raises(ValueError, match="not an enumeration member"):
        decode(["ErrorKind", "timeout", "extra"])
    with pytest.raises(TypeError, match="cannot encode a bytes"):
        codec.encode(b"raw bytes are no fact")


def test_ds001_is_an_ordinary_rule_its_check_reads_what_the_suppressions_did():
    from debtscan.rules.base import RuleContext, SuppressionLedger
    from debtscan.rules.meta import UnusedSuppression
    from debtscan.rules.registry import rules_for

    facts = facts_of(TRAIN)
    rules = rules_for(Config()).rules
    ran = tuple(sorted(rules))

    def check(used, codes=ran):
        ledger = SuppressionLedger({"train.py": facts}, frozenset(used), codes, rules)
        context = RuleContext(None, {}, Config(), suppressions=ledger)
        return [(f.code, f.path, f.line, f.message) for f in UnusedSuppression().check(context)]

    assert check(used=()) == [("DS001", "train.py", 6, "`# debtscan: ignore[DS502]` suppresses no finding.")]
    assert check(used={("train.py", 6)}) == []
    assert check(used=(), codes=("DS001",)) == []  # DS502 did not run: whether it would fire is unknowable
    assert list(UnusedSuppression().check(RuleContext(None, {}, Config()))) == []  # no suppressions applied
