"""Library knowledge is data: signals.toml, extended by a team in [tool.debtscan.knowledge.<name>]."""
import tempfile
from pathlib import Path

import pytest

from debtscan.config import ConfigError
from debtscan.knowledge import load_knowledge
from debtscan.testing import locations, scan_repo, scan_sources

CASCADE = {"train.py": """
    import pandas as pd
    from sklearn.linear_model import Ridge

    df = pd.read_csv("data/raw/t.csv")
    first = Ridge().fit(df[["a", "b"]], df["y"])
    df["first_score"] = first.infer(df[["a", "b"]])
    second = Ridge()
    second.fit(df[["first_score", "c"]], df["y"])
"""}

EARLY_EXIT = {"clean.py": """
    import pandas as pd
    from acme import cli


    def main():
        df = pd.read_csv("data/raw/t.csv")
        if df.empty:
            cli.abort("no rows")
            df = pd.read_csv("data/raw/backup.csv")
        return df
"""}


def test_a_teams_own_predict_method_makes_a_correction_cascade_at_the_downstream_fit():
    assert locations(scan_sources(CASCADE, select=["DS302"]).findings) == []
    extended = {"knowledge": {"acme": {"models": {"predict-methods": ["infer"]}}}}
    assert locations(scan_sources(CASCADE, extended, select=["DS302"]).findings) == [("train.py", 8)]


def test_a_teams_own_exit_function_makes_the_code_after_it_dead():
    assert locations(scan_sources(EARLY_EXIT, select=["DS502"]).findings) == []
    extended = {"knowledge": {"acme": {"code": {"exits": ["acme.cli.abort"]}}}}
    report = scan_sources(EARLY_EXIT, extended, select=["DS502"])
    assert locations(report.findings) == [("clean.py", 9)]
    assert "`acme.cli.abort()`" in report.findings[0].message


def test_extensions_add_to_the_packaged_lists_and_tables():
    packaged = load_knowledge().tables
    knowledge = load_knowledge(extra={"team": {
        "frames": {"types": ["modin.pandas.DataFrame"], "column-methods": {"winsorize": {"arg": 0, "kw": ["cols"]}}},
        "models": {"model-words": ["Learner$"]},
        "paths": {"operations": {"acme.paths.parent_of": "dirname"}},
    }}).tables
    assert knowledge.frames.types == packaged.frames.types | {"modin.pandas.DataFrame"}
    assert knowledge.frames.column_methods["winsorize"] == (0, ("cols",))
    assert knowledge.frames.column_methods["groupby"] == packaged.frames.column_methods["groupby"]
    assert knowledge.models.model_words.search("DeepLearner") and packaged.models.model_words.search("Booster")
    assert knowledge.paths.operations["acme.paths.parent_of"] == "dirname"
    assert knowledge.paths.operations["os.path.dirname"] == "dirname"


@pytest.mark.parametrize("table, message", [
    ({"code": {"exit": ["acme.die"]}}, r"unknown key code\.exit \(did you mean 'exits'\?\)"),
    ({"models": {"fit-methods": ["learn"]}, "cod": {"exits": ["acme.die"]}},
     r"unknown key 'cod' \(did you mean 'code'\?\)"),
    ({"models": {"fit-methods": "learn"}}, r"models\.fit-methods must be a list of strings"),
    ({"models": {"model-words": ["Learner("]}}, r"'Learner\(' is no regular expression"),
    ({"paths": {"operations": {"acme.up": "dirnme"}}}, r"unknown path operation 'dirnme' \(did you mean 'dirname'\?\)"),
    ({"frames": {"column-methods": {"winsorize": {"args": 0}}}}, r"unknown key 'args' \(did you mean 'arg'\?\)"),
])
def test_a_wrong_key_or_value_is_an_error_naming_the_file_and_the_closest_valid_name(table, message):
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "a.py").write_text("import json\n")
        with pytest.raises(ConfigError, match=r"pyproject.toml: \[tool.debtscan.knowledge.team\]: .*" + message):
            scan_repo(Path(tmp), {"knowledge": {"team": table}})


def test_the_packaged_catalogue_has_no_unknown_keys():
    # build() checks the packaged file with the same schema as a user's table: a stale key fails here
    tables = load_knowledge().tables
    assert "pandas.DataFrame" in tables.frames.types and "os.system" in tables.code.runners
    assert tables.models.train_functions["lightgbm.train"] == (1, "train_set")
