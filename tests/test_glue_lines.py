"""Every logical line is classified ml / glue / io / config / other, with adapters and a shape for glue."""
import textwrap

import libcst as cst
import pytest

from debtscan.config import ConfigError
from debtscan.facts.extract import extract
from debtscan.knowledge import load_knowledge

KNOWLEDGE = load_knowledge()


def statements(source, knowledge=KNOWLEDGE):
    source = textwrap.dedent(source).lstrip("\n")
    facts = extract(cst.parse_module(source), path="m.py", module_name="m", is_package=False, text=source,
                    knowledge=knowledge)
    return {s.line: s for s in facts.statements}


def kinds(source, knowledge=KNOWLEDGE):
    return {line: s.kind for line, s in statements(source, knowledge).items()}


def test_pandas_to_numpy_through_values_and_to_numpy_is_glue():
    got = statements("""
        import pandas as pd
        df = pd.read_csv("data/raw/train.csv")
        X = df[["a", "b"]].values
        y = df["target"].to_numpy()
        n = len(df)
    """)
    assert [got[i].kind for i in (1, 2, 3, 4, 5)] == ["prep", "io", "glue", "glue", "other"]
    assert got[3].adapters == ("pandas->numpy",)
    assert got[4].adapters == ("pandas->numpy",)


def test_values_call_on_a_dict_is_not_glue():
    assert kinds("""
        counts = {"a": 1}
        def total(counts):
            return sum(counts.values())
    """)[3] == "other"


def test_conversions_between_packages_name_their_adapters():
    got = statements("""
        import json
        import numpy as np
        import pandas as pd
        import torch

        def convert(rows, body):
            frame = pd.DataFrame(rows)
            array = np.array(frame)
            tensor = torch.tensor(array)
            back = tensor.numpy()
            records = json.loads(body)
            return back.tolist()
    """)
    assert got[7].adapters == ("records->pandas",)
    assert got[8].adapters == ("pandas->numpy",)      # the argument's type is known: a frame
    assert got[9].adapters == ("numpy->torch",)
    assert got[10].adapters == ("torch->numpy",)
    assert got[11].adapters == ("json->records",)
    assert got[12].adapters == ("numpy->python",)     # `back` is known to be an array (from .numpy())
    assert all(got[i].kind == "glue" for i in range(7, 13))


def test_reshaping_and_renaming_to_fit_an_api_is_glue():
    got = statements("""
        import numpy as np

        def prepare(frame, values):
            frame = frame.rename(columns={"Age": "age"})
            frame.columns = ["age", "income"]
            values = np.expand_dims(values, 0)
            values = values.squeeze()
            frame = frame.rename(index=str)
    """)
    assert [got[i].kind for i in (4, 5, 6, 7)] == ["glue"] * 4
    assert got[8].kind == "other"          # renaming the index for display is not column glue


def test_hand_assembled_feature_vectors_and_records_are_glue():
    got = statements("""
        def to_vector(row):
            vector = [row["age"], row["income"], row["tenure"]]
            pair = [row["age"], 1]
            return [{"id": i, "score": s} for i, s in row.items()]
    """)
    assert got[2].kind == "glue" and got[2].adapters == ("records->python",)
    assert got[3].kind == "other"
    assert got[4].kind == "glue" and got[4].adapters == ("python->records",)


def test_model_construction_fit_predict_losses_and_optimizer_steps_are_ml():
    got = kinds("""
        import torch
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.metrics import f1_score

        clf = RandomForestClassifier(n_estimators=10)
        clf.fit(X, y)
        score = f1_score(y, clf.predict(X))

        def step(net, batch, opt):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(batch.x), batch.y)
            loss.backward()
            opt.step()
            return loss
    """)
    assert [kinds_ for line, kinds_ in sorted(got.items()) if line in (5, 6, 7, 10, 11, 12)] == ["ml"] * 6
    assert got[13] == "other"      # `opt.step()`: neither a known optimizer nor a conventional name
    assert got[14] == "other"


def test_values_made_by_ml_constructors_are_tracked():
    got = kinds("""
        from torch import optim, nn
        def train(params, batches):
            sgd = optim.SGD(params, lr=0.1)
            lossf = nn.MSELoss()
            for x, y in batches:
                err = lossf(x, y)
                sgd.step()
    """)
    assert got[3] == got[4] == got[6] == got[7] == "ml"


def test_every_line_of_a_model_class_is_ml_including_reshapes():
    got = kinds("""
        from torch import nn

        class Base(nn.Module):
            pass

        class Net(Base):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)

            def forward(self, x):
                x = x.view(x.size(0), -1)
                return self.fc(x)

        class Plain:
            def forward(self, x):
                return x.reshape(1, -1)
    """)
    assert got[8] == got[9] == got[12] == got[13] == "ml"
    assert got[17] == "glue"


def test_io_wins_over_ml_and_glue():
    got = kinds("""
        import joblib
        import numpy as np
        np.save("out/x.npy", np.array([1, 2]))
        joblib.dump(model, "models/m.joblib")
    """)
    assert got[3] == got[4] == "io"


def test_ml_wins_over_glue_on_one_line():
    assert kinds("""
        def score(model, frame):
            return model.predict(frame.to_numpy())
    """)[2] == "ml"


def test_argument_parsing_settings_seeds_and_constants_are_config():
    got = kinds("""
        import argparse
        import os
        from pathlib import Path

        import torch

        ROOT = Path(__file__).resolve().parent
        DATA = ROOT / "data" / "raw"
        FEATURES = ["a", "b", "c"]
        LR = float(os.environ.get("LR", "0.1"))

        class Settings:
            batch_size: int = 32
            epochs = 10

        def main():
            parser = argparse.ArgumentParser()
            parser.add_argument("--lr", type=float)
            args = parser.parse_args()
            torch.manual_seed(0)
            count = 0
    """)
    assert [got[i] for i in (7, 8, 9, 10, 13, 14, 17, 18, 19, 20)] == ["config"] * 10
    assert got[21] == "other"       # a local counter is plain logic
    # an import belongs to the box of what it imports
    assert [got[i] for i in (1, 2, 3, 5)] == ["config", "io", "io", "ml"]


def test_module_level_computations_are_not_settings():
    got = kinds("""
        import pandas as pd
        frame = load()
        ratio = frame.a / frame.b
        total = 1 + 2
    """)
    assert got[2] == got[3] == "other"
    assert got[4] == "config"


def test_guesses_for_unknown_receivers_only_use_unambiguous_method_names():
    got = kinds("""
        def f(thing, other):
            a = thing.to_numpy()
            b = thing.apply(str)
            c = other.transform(a)
            d = thing.fit(a)
    """)
    assert got[2] == "glue"
    assert got[3] == "other"      # `apply` means many things
    assert got[4] == "other"      # `transform` could be pandas, sklearn, an image library...
    assert got[5] == "ml"


def test_a_known_type_decides_over_the_method_name():
    got = statements("""
        import pandas as pd
        frame = pd.read_csv("data/raw/x.csv")
        small = frame.astype("float32")
        numbers = frame["a"].tolist()
    """)
    assert got[3].adapters == ("pandas->pandas",)
    assert got[4].adapters == ("pandas->python",)


def test_shape_abstracts_names_strings_and_numbers_but_keeps_the_conversions():
    got = statements("""
        import numpy as np
        import pandas as pd
        raw = pd.read_csv("data/raw/x.csv")
        def a(frame, cols):
            values = frame[cols].to_numpy()
            return values.astype(np.float32)
        def b(table):
            matrix = table[["x", "y"]].to_numpy()
            matrix = matrix.astype(np.float64)
            out = raw.to_numpy()
    """)
    assert got[5].shape == got[8].shape == got[10].shape
    assert got[6].shape == got[9].shape
    assert got[5].shape != got[6].shape
    assert got[3].shape == ""      # only glue lines carry a shape


def test_notebook_and_docstring_lines():
    got = kinds('''
        """Module docstring: not a code line."""
        import numpy as np
        x = np.asarray([1, 2])
    ''')
    assert 1 not in got and got[3] == "glue"


def test_users_extend_the_knowledge_per_library():
    knowledge = load_knowledge(extra={"myproject": {
        "ml": ["myproject.models"],
        "glue": {"myproject.convert.frame_to_tensor": "pandas->torch"},
        "ml-methods": ["train_step"],
        "ml-receivers": ["ranker"],
        "config": ["myproject.settings.load"],
    }})
    got = statements("""
        from myproject.models import Ranker
        from myproject.convert import frame_to_tensor
        from myproject import settings
        ranker = Ranker()
        tensor = frame_to_tensor(frame)
        thing.train_step(tensor)
        ranker.update(tensor)
        cfg = settings.load("x.yaml")
    """, knowledge)
    assert [got[i].kind for i in (4, 5, 6, 7, 8)] == ["ml", "glue", "ml", "ml", "config"]
    assert got[5].adapters == ("pandas->torch",)
    assert knowledge.fingerprint != KNOWLEDGE.fingerprint


def test_knowledge_tables_of_other_families_are_left_alone_and_bad_ones_are_errors():
    load_knowledge(extra={"signals": {"consumers": {"a": "b"}}})       # not ours: ignored
    with pytest.raises(ConfigError, match="unknown key 'mll'"):
        load_knowledge(extra={"mine": {"ml": ["x"], "mll": ["y"]}})
    with pytest.raises(ConfigError, match="SRC->DST"):
        load_knowledge(extra={"mine": {"glue": {"x.y": "pandas"}}})
    with pytest.raises(ConfigError, match="list of strings"):
        load_knowledge(extra={"mine": {"ml": "x"}})


def test_conversions_made_only_to_log_are_not_glue():
    got = kinds("""
        import json
        import logging
        logger = logging.getLogger(__name__)
        def report(loss, metrics):
            print("loss", loss.item())
            logger.info(json.dumps(metrics))
            value = loss.item()
    """)
    assert got[5] == got[6] == "monitoring"  # logging, whatever it converts
    assert got[7] == "glue"


def test_a_dict_of_module_constants_is_not_a_hand_assembled_record():
    got = kinds("""
        import torch
        def dtypes(row):
            table = {"ids": torch.int32, "masks": torch.int32, "targets": torch.int64}
            record = {"ids": row.ids, "masks": row.masks, "targets": row.targets}
    """)
    assert got[3] == "other"
    assert got[4] == "glue"


# -- conversions made by calling a project function (the value-flow core's glue) -----------------------
def test_a_call_of_a_helper_that_returns_a_converted_value_converts_at_the_call(tmp_path):
    from debtscan.testing import scan_repo, write_repo

    write_repo(tmp_path, {
        "features/convert.py": """
            def to_matrix(frame):
                return frame.values

            def as_inputs(frame):
                return to_matrix(frame)

            def as_array(frame):
                matrix = frame.to_numpy()
                return matrix
        """,
        "train.py": """
            import pandas as pd
            from sklearn.linear_model import Ridge
            from features.convert import as_array, as_inputs, to_matrix
            frame = pd.read_csv("input/train.csv")
            X = to_matrix(frame[["a", "b"]])
            y = as_inputs(frame[["y"]])
            w = as_array(frame[["w"]])
            Ridge().fit(X, y, sample_weight=w)
        """,
    })
    report, project = scan_repo(tmp_path, select=["DS1"])
    facts = project.facts["train.py"]
    resolved = {s.line: (kind, s.adapters) for s, kind in project.composition.classes.statements(facts)}
    # the helper's conversion happens at each call: glue from pandas to numpy at the caller's line, also
    # through a helper returning another helper's value and through a name bound to the conversion
    assert resolved[5] == ("glue", ("pandas->numpy",))
    assert resolved[6] == ("glue", ("pandas->numpy",))
    assert resolved[7] == ("glue", ("pandas->numpy",))
    # the read and the fit are not glue, and carry no conversion
    assert resolved[4][1] == () and resolved[8][1] == ()
    # the import line only names the helpers: no conversion there
    assert resolved[3][1] == ()
    helper = project.facts["features/convert.py"]
    assert {s.line: s.adapters for s, _ in project.composition.classes.statements(helper) if s.adapters} == {
        2: ("pandas->numpy",), 5: ("pandas->numpy",), 8: ("pandas->numpy",)}
    counted = {a: n for a, n, _ in project.composition.adapters}
    assert counted["pandas->numpy"] == 6   # the helpers' own three conversion lines and the three calls


def test_a_call_of_a_helper_that_returns_its_argument_unconverted_is_no_conversion(tmp_path):
    from debtscan.testing import scan_repo, write_repo

    write_repo(tmp_path, {
        "helpers.py": """
            import numpy as np

            def clean(frame):
                frame = frame.dropna()
                return frame

            def stats(frame):
                values = frame.values
                print(values.mean())
                return frame.describe()
        """,
        "run.py": """
            import pandas as pd
            import helpers
            frame = helpers.clean(pd.read_csv("input/train.csv"))
            summary = helpers.stats(frame)
        """,
    })
    report, project = scan_repo(tmp_path, select=["DS1"])
    facts = project.facts["run.py"]
    assert all(not s.adapters for s, _ in project.composition.classes.statements(facts))


def test_a_value_bound_from_a_converting_helper_is_followed_into_the_callers_later_lines(tmp_path):
    """``X = to_matrix(frame)`` (``to_matrix`` returns ``frame.values``, in another module): X is a numpy array
    in the caller's later lines, as it is after ``X = frame.values`` written out; their conversions say so."""
    from debtscan.testing import scan_repo, write_repo

    write_repo(tmp_path, {
        "features/convert.py": """
            def to_matrix(frame):
                return frame.values

            def as_float(frame):
                X = to_matrix(frame)
                return X.astype("float32")
        """,
        "serve.py": """
            import json
            import pandas as pd
            import torch
            from features.convert import as_float, to_matrix
            frame = pd.read_csv("input/requests.csv")
            X = to_matrix(frame)
            X = X.astype("float32")
            flat = X.reshape(-1, 1)
            batch = torch.from_numpy(X)
            table = pd.DataFrame(flat)
            body = json.dumps(X.ravel().tolist())
            Z = as_float(frame)
            again = pd.DataFrame(Z)
        """,
    })
    report, project = scan_repo(tmp_path, select=["DS1"])
    resolved = {s.line: (kind, s.adapters)
                for s, kind in project.composition.classes.statements(project.facts["serve.py"])}
    assert resolved[6] == ("glue", ("pandas->numpy",))            # the call itself (as before)
    assert resolved[7] == ("glue", ("numpy->numpy",))             # before: no conversion named
    assert resolved[8] == ("glue", ("numpy->numpy",))             # through the rebinding on line 7
    assert resolved[9] == ("glue", ("numpy->torch",))
    assert resolved[10] == ("glue", ("numpy->pandas",))           # before: records->pandas
    assert resolved[11] == ("glue", ("python->json", "numpy->python", "numpy->numpy"))
    # a helper whose returned value is a converted project call's value: its conversion's target
    assert resolved[12] == ("glue", ("numpy->numpy",))
    assert resolved[13] == ("glue", ("numpy->pandas",))
    helper = {s.line: s.adapters for s, _ in project.composition.classes.statements(project.facts["features/convert.py"])}
    assert helper[6] == ("numpy->numpy",)
    counted = {a: n for a, n, _ in project.composition.adapters}
    assert counted["numpy->numpy"] == 5 and counted["numpy->pandas"] == 2 and "records->pandas" not in counted


def test_a_value_bound_from_a_helper_that_converts_nothing_keeps_its_unknown_package(tmp_path):
    """``frame = clean(raw)`` (``clean`` returns a frame it did not convert) and a call of a library no
    catalogue knows: their later conversions read as they did, the source unknown or the API's default."""
    from debtscan.testing import scan_repo, write_repo

    write_repo(tmp_path, {
        "helpers.py": """
            def clean(frame):
                frame = frame.dropna()
                return frame
        """,
        "run.py": """
            import pandas as pd
            import vendorlib
            from helpers import clean
            frame = clean(pd.read_csv("input/train.csv"))
            small = frame.astype("float32")
            table = pd.DataFrame(small)
            other = vendorlib.load()
            rows = pd.DataFrame(other)
        """,
    })
    report, project = scan_repo(tmp_path, select=["DS1"])
    facts = project.facts["run.py"]
    resolved = {s.line: (kind, s.adapters) for s, kind in project.composition.classes.statements(facts)}
    assert resolved[5] == ("glue", ())
    assert resolved[6] == ("glue", ("records->pandas",))
    assert resolved[8] == ("glue", ("records->pandas",))
    # a library call whose value's type is known keeps it (no project function there)
    assert statements("""
        import torch
        def f(a, b):
            preds = torch.stack([a, b], dim=1).float()
            return preds.flatten(2)
    """)[4].through == ()
    # the facts of the file say the same without the other files (a file's facts are its own)
    assert {s.line: s.adapters for s in facts.statements if s.kind == "glue"} == {
        5: (), 6: ("records->pandas",), 8: ("records->pandas",)}


def test_a_helper_returning_nested_conversions_returns_the_outermost_ones_package(tmp_path):
    """``return torch.from_numpy(frame.values)``: the value returned is a tensor, made by the outermost
    conversion (``numpy->torch``); the inner ``.values`` only fed it. The caller's call converts that way,
    and the bound value is a tensor in its later lines (as ``t = torch.from_numpy(frame.values)`` written
    out: ``t.reshape(-1)`` is ``torch->torch``)."""
    from debtscan.testing import scan_repo, write_repo

    write_repo(tmp_path, {
        "convert.py": """
            import torch

            def to_tensor(frame):
                return torch.from_numpy(frame.values)

            def to_named_tensor(frame):
                t = torch.from_numpy(frame.values)
                return t
        """,
        "train.py": """
            import pandas as pd
            import torch
            from convert import to_named_tensor, to_tensor
            frame = pd.read_csv("input/train.csv")
            t = to_tensor(frame)
            u = t.reshape(-1)
            n = to_named_tensor(frame)
            v = n.numpy()
            w = torch.from_numpy(frame.values)
            x = w.reshape(-1)
        """,
    })
    report, project = scan_repo(tmp_path, select=["DS1"])
    resolved = {s.line: (kind, s.adapters)
                for s, kind in project.composition.classes.statements(project.facts["train.py"])}
    assert resolved[5] == ("glue", ("numpy->torch",))     # before: pandas->numpy (the innermost)
    assert resolved[6] == ("glue", ("torch->torch",))     # before: numpy->numpy
    assert resolved[7] == ("glue", ("numpy->torch",))     # through a name bound to the conversion
    assert resolved[8] == ("glue", ("torch->numpy",))     # before: numpy->numpy
    assert resolved[10] == resolved[6]                     # as written out


# -- line classes through a call: each shape as its inline code (``X = frame.values``) reads -------------------
_HELPERS = """
    import joblib
    import numpy as np
    import pandas as pd
    import torch
    from sklearn.ensemble import RandomForestRegressor

    def to_matrix(frame):
        return frame.values

    def as_inputs(frame):
        return to_matrix(frame)

    def as_named(frame):
        X = to_matrix(frame)
        return X

    def to_table(frame):
        return pd.DataFrame(frame.to_dict("records"))

    def to_tensor(frame):
        return torch.from_numpy(frame.values)

    def make_model():
        return RandomForestRegressor()

    def clean(frame):
        return frame.dropna()

    def load_train():
        return pd.read_pickle("input/train.pkl")

    def load_prepared():
        df = pd.read_csv(
            "input/prepared.csv")
        df["ratio"] = df["a"] / df["b"]
        return df

    def load_via():
        return load_train()

    def load_array():
        return np.load("input/x.npy")

    def load_blob():
        return joblib.load("models/blob.pkl")

    def load_columns():
        return pd.read_csv("input/train.csv")[["a", "b"]]
"""
_HEAD = """import numpy as np
import pandas as pd
import torch
import vendorlib
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import Ridge
from features import convert
frame = pd.read_csv("input/train.csv")
"""
_TAIL = """
model = Ridge()
model.fit(frame, frame["y"])
"""
#: shape -> (the binding through a helper, the same written out, the line whose class depends on the value's
#: package, its class)
_SHAPES = {
    "mean": ("X = convert.to_matrix(frame)", "X = frame.values", "m = X.mean()", "prep"),
    "fillna": ("X = convert.to_matrix(frame)", "X = frame.values", "f = X.fillna(0)", "prep"),
    "reshape": ("X = convert.to_matrix(frame)", "X = frame.values", "r = X.reshape(-1, 1)", "glue"),
    "alias": ("X = convert.to_matrix(frame)\nxs = X", "X = frame.values\nxs = X", "s = xs.std(axis=0)", "prep"),
    "method-rebinding": ("X = convert.to_matrix(frame)\nX = X.clip(0, 1)", "X = frame.values\nX = X.clip(0, 1)",
                         "c = X.max()", "prep"),
    "helper-of-helper": ("A = convert.as_inputs(frame)", "A = frame.values", "a = A.sum()", "prep"),
    "returned-name": ("B = convert.as_named(frame)", "B = frame.values", "b = B.mean()", "prep"),
    "frame-column": ("T = convert.to_table(frame)", "T = pd.DataFrame(frame.to_dict('records'))", "T['n'] = 0",
                     "prep"),
    "frame-method": ("T = convert.to_table(frame)", "T = pd.DataFrame(frame.to_dict('records'))", "t = T.mean()",
                     "prep"),
    # a helper that returns a read: the frame (array) the read makes, as the catalogue types it written out;
    # also with new columns added before it is returned, and through a helper returning that helper's value
    "read": ("D = convert.load_train()", "D = pd.read_pickle('input/train.pkl')", "d = D.mean()", "prep"),
    "read-column": ("D = convert.load_train()", "D = pd.read_pickle('input/train.pkl')", "D['n'] = 0", "prep"),
    "read-prepared": ("P = convert.load_prepared()", "P = pd.read_csv('input/prepared.csv')", "p = P.mean()",
                      "prep"),
    "read-via": ("W = convert.load_via()", "W = pd.read_pickle('input/train.pkl')", "w = W.mean()", "prep"),
    "read-array": ("N = convert.load_array()", "N = np.load('input/x.npy')", "n = N.mean()", "prep"),
    # a tensor's mean is no data preparation (torch.Tensor is other): the script's class, ML
    "tensor": ("t = convert.to_tensor(frame)", "t = torch.from_numpy(frame.values)", "u = t.mean()", "ml"),
}
#: negative controls: an external function, a function returning a model, a value whose package the helper
#: does not fix (``frame.dropna()`` of a parameter), reads the catalogue gives no type: the line as the file alone reads it (then the script's
#: class, ML), whatever the written-out code gives
_CONTROLS = {
    "external": ("V = vendorlib.load(frame)", "v = V.mean()"),
    "model": ("est = convert.make_model()", "e = est.mean()"),
    "unfixed": ("C = convert.clean(frame)", "k = C.mean()"),
    # a read of no catalogued type (a pickled object), a selection of columns of a read (a frame or a series)
    "opaque-read": ("O = convert.load_blob()", "o = O.mean()"),
    "read-selection": ("S = convert.load_columns()", "q = S.mean()"),
}


def _shape_repo(tmp_path):
    from debtscan.testing import scan_repo, write_repo

    files = {"features/__init__.py": "", "features/convert.py": _HELPERS}
    for name, (through, inline, probe, _) in _SHAPES.items():
        files[f"{name}_through.py"] = _HEAD + through + "\n" + probe + _TAIL
        files[f"{name}_inline.py"] = _HEAD + inline + "\n" + probe + _TAIL
    for name, (through, probe) in _CONTROLS.items():
        files[f"{name}_control.py"] = _HEAD + through + "\n" + probe + _TAIL
    write_repo(tmp_path, files)
    return scan_repo(tmp_path, select=["DS1"])


def _probe(project, path, probe):
    """(the file's own class, the resolved class) of the line ``probe`` of ``path``, and the statement."""
    facts = project.facts[path]
    text = dict(enumerate(facts_text(project, path), 1))
    for (statement, kind), own in zip(project.composition.classes.statements(facts), facts.statements):
        if text[statement.line] == probe:
            return own.kind, kind, own
    raise AssertionError(f"{probe!r} not in {path}")


def facts_text(project, path):
    return (project.root / path).read_text().splitlines()


def test_line_classes_follow_a_value_through_a_call_as_written_out(tmp_path):
    """``m = X.mean()`` after ``X = to_matrix(frame)`` (``to_matrix`` returning ``frame.values`` in another
    module) is prep, as after ``X = frame.values``; also through an alias, a rebinding by a method, a helper of
    a helper, a helper returning a bound name, a frame made by a helper (its new column, its methods), a
    helper returning what a read made (``return pd.read_pickle(p)``: the read's type, ``pandas.DataFrame``); the
    file alone cannot say (other), the composition does, from the facts (``StatementFact.through``)."""
    report, project = _shape_repo(tmp_path)
    for name, (_, _, probe, expected) in _SHAPES.items():
        own, through, statement = _probe(project, f"{name}_through.py", probe)
        _, inline, _ = _probe(project, f"{name}_inline.py", probe)
        assert (name, through) == (name, inline) == (name, expected)
        if expected == "prep" and name != "fillna":   # (fillna is prep by its name alone, in the file too)
            assert own == "other", name
            assert statement.through and ":" in statement.through[-1], name
    own, _, statement = _probe(project, "mean_through.py", "m = X.mean()")
    assert statement.through == ("@features.convert.to_matrix:mean",)


def test_line_classes_through_an_unknown_or_model_or_unfixed_value_stay_as_the_file_reads(tmp_path):
    from debtscan.project.composition import resolve

    report, project = _shape_repo(tmp_path)
    alone = resolve(project.facts)   # without the catalogues: no use resolved, the file-alone reading
    for name, (_, probe) in _CONTROLS.items():
        path = f"{name}_control.py"
        own, kind, statement = _probe(project, path, probe)
        index = project.facts[path].statements.index(statement)
        assert (name, own, kind) == (name, "other", "ml")
        assert kind == alone.kinds[path][index]
        assert statement.through   # kept symbolic in the facts, and not resolved
