"""Deep-learning models as competition and course code trains them: a network optimised in a loop of the
script's own (`loss.backward()`, `optimizer.step()`) or fitted with Keras is a model; its forward passes
(`net(x)`, `net(x).sigmoid().cpu().numpy()`, collected in lists and concatenated) and `model.predict` are its
predictions, followed into the files they are written to. Metrics computed from those outputs (losses, an
AUC per epoch) are not predictions."""
import textwrap

from debtscan.facts.extract import extract
from debtscan.knowledge import load_knowledge
from debtscan.testing import scan_repo, write_repo

import libcst as cst


def models_of(code):
    text = textwrap.dedent(code)
    facts = extract(cst.parse_module(text), path="train.py", module_name="train", is_package=False, text=text,
                    knowledge=load_knowledge())
    return {m.name: m for m in facts.models}


def found(report, code=None):
    return sorted((f.code, f.path, f.line) for f in report.findings if code is None or f.code == code)


NETWORK = """
    import pickle
    import numpy as np
    import pandas as pd
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset
    class Scorer(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(3, 1)
        def forward(self, x):
            return self.body(x).squeeze(1)
    table = pd.read_parquet("input/pumps.parquet")
    data = TensorDataset(torch.tensor(table[["a", "b", "c"]].values), torch.tensor(table["failed"].values))
    net = Scorer()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    loss_fn = nn.BCEWithLogitsLoss()
    for epoch in range(3):
        net.train()
        for x, y in DataLoader(data, batch_size=64):
            loss = loss_fn(net(x), y)
            loss.backward()
            optimizer.step()
    net.eval()
    outputs, losses = [], []
    with torch.no_grad():
        for x, y in DataLoader(data, batch_size=256):
            outputs.append(net(x).sigmoid().detach().cpu().numpy())
            losses.append(loss_fn(net(x), y).item())
"""

DUMP = """
    scores = np.concatenate(outputs)
    with open("work/level1/net_scores.pkl", "wb") as handle:
        pickle.dump({"outputs": scores}, handle)
"""

BLENDER = """
    import pickle
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    with open("work/level1/net_scores.pkl", "rb") as handle:
        level1 = pickle.load(handle)
    meta = pd.DataFrame({"net": level1["outputs"]})
    LogisticRegression().fit(meta[["net"]], pd.read_parquet("input/pumps.parquet")["failed"])
"""


def test_a_network_trained_in_a_loop_is_a_model_trained_at_its_step_not_at_train_mode():
    models = models_of(NETWORK + DUMP)
    # `net.train()` only switches the mode; the optimizer (torch.optim.SGD) is no model
    assert sorted(models) == ["net"]
    net = models["net"]
    assert (net.api, net.line) == ("torch.training-loop", 23)
    # what its forward passes were given before the first step is what it is trained on
    # (the batches hold the features and the label together: only the artifact is kept, not the columns)
    assert [s.value for s in net.input_sources] == ["input/pumps.parquet"] and net.inputs == ()


def test_forward_passes_collected_concatenated_and_dumped_are_the_networks_predictions():
    net = models_of(NETWORK + DUMP)["net"]
    assert [o.kind.value for o in net.outputs] == ["file"]
    assert [a.value for a in net.output_artifacts] == ["work/level1/net_scores.pkl"]


def test_losses_collected_from_forward_passes_are_metrics_not_predictions():
    net = models_of(NETWORK + """
    curve = np.array(losses)
    np.save("work/logs/net_losses.npy", curve)
""")["net"]
    assert net.outputs == () and net.output_artifacts == ()


def test_a_model_trained_on_a_networks_dumped_outputs_is_a_cascade(tmp_path):
    write_repo(tmp_path, {"level1/train.py": NETWORK + DUMP, "level2/blend.py": BLENDER})
    report, project = scan_repo(tmp_path, select=["DS302"])
    assert found(report) == [("DS302", "level2/blend.py", 7)]
    assert "model `net` (training-loop) (level1/train.py:22)" in report.findings[0].message


def test_a_networks_learning_curve_is_no_prediction_for_the_model_that_reads_it(tmp_path):
    files = {
        "level1/train.py": NETWORK + """
    from sklearn.metrics import roc_auc_score
    history = []
    for epoch in range(3):
        with torch.no_grad():
            probs = net(data.tensors[0]).sigmoid().numpy()
        history.append({"epoch": epoch, "loss": float(np.mean(losses)),
                        "auc": roc_auc_score(table["failed"], probs)})
    pd.DataFrame(history).to_csv("work/logs/curve.csv")
    torch.save(net.state_dict(), "work/checkpoints/net.pt")
""",
        "level2/rounds.py": """
            import pandas as pd
            from sklearn.ensemble import GradientBoostingClassifier
            curve = pd.read_csv("work/logs/curve.csv")
            visits = pd.read_parquet("input/visits.parquet")
            rounds = int(curve["epoch"].max()) * 10
            GradientBoostingClassifier(n_estimators=rounds).fit(visits[["age"]], visits["failed"])
        """,
    }
    write_repo(tmp_path, files)
    report, project = scan_repo(tmp_path, select=["DS302", "DS303"])
    assert found(report) == []
    # the network is a model (it saved its weights), but the curve holds none of its predictions
    net = project.signals.models["model:level1/train.py:22"]
    assert net.artifacts == {"work/checkpoints/net.pt"} and net.output_artifacts == set()
    assert "work/logs/curve.csv" not in project.signals.outputs


def test_keras_predictions_saved_with_numpy_reach_the_model_trained_on_them(tmp_path):
    files = {
        "level1/keras_net.py": """
            import numpy as np
            import pandas as pd
            from tensorflow import keras
            table = pd.read_parquet("input/pumps.parquet")
            model = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse")
            model.fit(table[["a", "b"]].values, table["failed"].values, epochs=3)
            np.save("work/level1/keras_scores.npy", model.predict(table[["a", "b"]].values))
        """,
        "level2/blend.py": """
            import numpy as np
            import pandas as pd
            from sklearn.linear_model import LogisticRegression
            meta = pd.DataFrame({"keras": np.load("work/level1/keras_scores.npy")[:, 0]})
            LogisticRegression().fit(meta[["keras"]], pd.read_parquet("input/pumps.parquet")["failed"])
        """,
    }
    write_repo(tmp_path, files)
    report, _ = scan_repo(tmp_path, select=["DS302"])
    assert found(report) == [("DS302", "level2/blend.py", 5)]


# -- a network passed to a helper as a parameter (issue 14: rsna's run_nn(cfg, mode, model, loader)) -------
HELPER = """
    import numpy as np
    import torch

    def run_epoch(model, loader, optimizer=None, criterion=None):
        outputs = []
        for inputs, targets in loader:
            logits = model(inputs)
            if optimizer is not None:
                loss = criterion(logits, targets)
                loss.backward()
                optimizer.step()
            outputs.append(torch.sigmoid(logits).detach().cpu().numpy())
        return np.concatenate(outputs)
"""

CALLER = """
    import numpy as np
    import pandas as pd
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset
    from engine import run_epoch
    table = pd.read_parquet("input/pumps.parquet")
    data = TensorDataset(torch.tensor(table[["a", "b", "c"]].values), torch.tensor(table["failed"].values))
    net = {network}
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    for epoch in range(3):
        run_epoch(net, DataLoader(data, batch_size=64), optimizer, nn.BCEWithLogitsLoss())
    scores = run_epoch(net, DataLoader(data, batch_size=256))
    np.save("work/level1/net_scores.npy", scores)
"""

STACKER = """
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    scores = np.load("work/level1/net_scores.npy")
    target = pd.read_parquet("input/pumps.parquet")["failed"]
    LogisticRegression().fit(scores.reshape(-1, 1), target)
"""


def test_a_network_given_to_a_helper_that_trains_it_in_its_loop_is_a_model_and_its_outputs_predictions(tmp_path):
    write_repo(tmp_path, {"level1/engine.py": HELPER, "level1/train.py": CALLER.format(network="nn.Linear(3, 1)"),
                          "level2/blend.py": STACKER})
    report, project = scan_repo(tmp_path, select=["DS302", "DS303"])
    assert found(report) == [("DS302", "level2/blend.py", 6), ("DS303", "level2/blend.py", 4)]
    # the model is the network the caller made (a torch layer), trained where the helper steps its loss
    assert all("model `model` (Linear) (level1/engine.py:10)" in f.message for f in report.findings)
    # the helper's loss is computed from the forward pass: a metric, not the loss function's "prediction"
    fit = [f for f in project.facts["level1/engine.py"].flows.fits]
    assert [(f.line, f.method, f.name) for f in fit] == [(10, "backward", "model")]


def test_a_parameter_called_with_no_model_passed_is_no_prediction(tmp_path):
    """``apply_all(fn, batches)`` calls its parameter; the caller passes ``np.mean``: no model, no prediction,
    and a helper that calls its network parameter without training it predicts only when given a model."""
    write_repo(tmp_path, {
        "level1/helpers.py": """
            def apply_all(fn, batches):
                return [fn(b) for b in batches]

            def score(model, batch):
                return model(batch)
        """,
        "level1/summarise.py": """
            import numpy as np
            import pandas as pd
            from helpers import apply_all, score
            table = pd.read_parquet("input/pumps.parquet")
            means = np.stack(apply_all(np.mean, np.array_split(table[["a"]].values, 4)))
            np.save("work/level1/means.npy", means)
            np.save("work/level1/scaled.npy", score(np.log1p, table[["a"]].values))
        """,
        "level2/blend.py": """
            import numpy as np
            import pandas as pd
            from sklearn.linear_model import LogisticRegression
            means = np.load("work/level1/means.npy")
            scaled = np.load("work/level1/scaled.npy")
            target = pd.read_parquet("input/pumps.parquet")["failed"]
            LogisticRegression().fit(np.column_stack([means, scaled]), target)
        """,
    })
    report, project = scan_repo(tmp_path, select=["DS302", "DS303"])
    assert found(report) == []


def test_metrics_computed_from_predictions_in_a_helper_and_saved_by_another_are_no_predictions(tmp_path):
    """A training helper scores its model (``classification_metrics(y, pipeline.predict(X))`` returning
    ``accuracy_score(...)``...) and a logging helper appends them to a CSV it reads back: metrics, not the
    model's predictions, so no undeclared consumer (a public churn project's ``metrics_logger``)."""
    write_repo(tmp_path, {
        "src/evaluation/metrics.py": """
            from sklearn.metrics import accuracy_score, roc_auc_score

            def classification_metrics(y_true, y_pred, y_prob):
                return {"accuracy": accuracy_score(y_true, y_pred), "roc_auc": roc_auc_score(y_true, y_prob)}
        """,
        "src/evaluation/logger.py": """
            import os
            import pandas as pd

            def save_metrics(metrics, name):
                row = pd.DataFrame([dict(metrics, model=name)])
                path = "artifacts/metrics/all.csv"
                if os.path.exists(path):
                    row = pd.concat([pd.read_csv(path), row])
                row.to_csv(path, index=False)
        """,
        "src/models/forest.py": """
            import pandas as pd
            from sklearn.ensemble import RandomForestClassifier
            from src.evaluation.logger import save_metrics
            from src.evaluation.metrics import classification_metrics

            def train_forest(X_train, y_train, X_test, y_test):
                model = RandomForestClassifier().fit(X_train, y_train)
                y_pred = model.predict(X_test)
                y_prob = model.predict_proba(X_test)[:, 1]
                save_metrics(classification_metrics(y_test, y_pred, y_prob), "forest")
                return model
        """,
        "train_forest.py": """
            import pandas as pd
            from src.models.forest import train_forest
            frame = pd.read_csv("data/raw/customers.csv")
            train_forest(frame[["age"]], frame["churn"], frame[["age"]], frame["churn"])
        """,
    })
    report, project = scan_repo(tmp_path, select=["DS302", "DS303"])
    assert found(report) == []
