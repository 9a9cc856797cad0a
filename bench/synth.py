"""A synthetic ML repository generator for the benchmark.

``generate(root, n_files, seed)`` writes a repository of ``n_files`` files made of sub-projects that look
like real ML code: numbered scripts with pandas I/O through config paths (a pipeline jungle), packages
with scikit-learn / PyTorch training code, glue-heavy serving modules, shared utils and notebooks. Names,
columns, sizes and paths vary with a seeded random generator, so every file has its own content (the cache
is keyed by content) and the output is the same for the same arguments.

    python -m bench.synth OUT_DIR 1000
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Dict, List

WORDS = ("customer", "order", "session", "click", "item", "user", "store", "price", "event", "device", "visit",
         "review", "basket", "ticket", "payment", "region", "product", "account", "churn", "fraud", "credit")
AGGS = ("mean", "sum", "max", "min", "std", "nunique", "count", "median")
FORMATS = (("csv", "read_csv", "to_csv"), ("parquet", "read_parquet", "to_parquet"),
           ("pkl", "read_pickle", "to_pickle"), ("feather", "read_feather", "to_feather"))


def _col(rng: random.Random) -> str:
    return f"{rng.choice(WORDS)}_{rng.choice(WORDS)}_{rng.randint(0, 99)}"


def config_module(rng: random.Random, project: str) -> str:
    feats = [_col(rng) for _ in range(rng.randint(6, 14))]
    lines = [
        f'"""Paths and settings of {project}."""',
        "import os",
        "from pathlib import Path",
        "",
        'ROOT = Path(__file__).resolve().parent',
        'RAW_DIR = "data/raw"',
        'INTERIM_DIR = "data/interim"',
        'FEATURE_DIR = os.path.join("data", "features")',
        'MODEL_DIR = "models"',
        f'SEED = {rng.randint(0, 9999)}',
        f'N_FOLDS = {rng.choice((3, 5, 10))}',
        f'TARGET = "{_col(rng)}"',
        "FEATURES = [",
        *[f'    "{f}",' for f in feats],
        "]",
        f'CATEGORICAL = {json.dumps(feats[: rng.randint(1, 4)])}',
        "PARAMS = {",
        f'    "learning_rate": {rng.choice((0.01, 0.03, 0.05, 0.1))},',
        f'    "num_leaves": {rng.randint(15, 255)},',
        f'    "max_depth": {rng.randint(3, 12)},',
        f'    "n_estimators": {rng.randint(100, 5000)},',
        "}",
        "",
        "",
        "def feature_path(name, split=\"train\"):",
        '    """Where feature block ``name`` of ``split`` is stored."""',
        '    return os.path.join(FEATURE_DIR, f"{split}_{name}.parquet")',
        "",
    ]
    return "\n".join(lines) + "\n"


def numbered_script(rng: random.Random, index: int, produced: List[str]) -> str:
    ext, reader, writer = rng.choice(FORMATS)
    name = f"{rng.choice(WORDS)}_{rng.choice(WORDS)}"
    lines = [
        f'"""Step {index:03d}: build the {name} features."""',
        "import gc",
        "import os",
        "import sys",
        "",
        "import numpy as np",
        "import pandas as pd",
        "",
        "import config",
        "from config import FEATURES, RAW_DIR, SEED, TARGET",
        "",
        f'PREFIX = "f{index:03d}"',
        "",
    ]
    if produced and rng.random() < 0.8:
        source = rng.choice(produced)
        lines.append(f"df = pd.{source[1]}('{source[0]}')")
    else:
        lines.append(f'df = pd.read_csv(os.path.join(RAW_DIR, "{rng.choice(WORDS)}.csv"))')
    lines.append(f'log = pd.read_csv(f"{{RAW_DIR}}/{rng.choice(WORDS)}_log.csv", usecols=["{_col(rng)}", "{_col(rng)}"])')
    lines.append("")
    for block in range(rng.randint(3, 8)):
        key = _col(rng)
        aggs = rng.sample(AGGS, rng.randint(2, 4))
        lines += [
            f"def make_{block}(frame, key=\"{key}\"):",
            f'    """Aggregate block {block} by ``key``."""',
            f"    grouped = frame.groupby(key).agg({{c: {aggs!r} for c in FEATURES[:{rng.randint(2, 6)}]}})",
            "    grouped.columns = [f\"{PREFIX}_{a}_{b}\" for a, b in grouped.columns]",
            "    grouped = grouped.reset_index()",
            f"    grouped[\"{key}_ratio\"] = grouped.iloc[:, 1] / (grouped.iloc[:, 2] + {rng.randint(1, 9)})",
            "    return grouped",
            "",
            "",
        ]
        lines.append(f"feat_{block} = make_{block}(df)")
        lines.append(f"df = df.merge(feat_{block}, on=\"{key}\", how=\"left\")")
        lines.append("")
    lines += [
        f"df[\"{_col(rng)}\"] = np.log1p(df[FEATURES[0]].clip(lower=0))",
        f"df = df.fillna({rng.choice((-1, 0, -999))})",
        "for col in config.CATEGORICAL:",
        "    df[col] = df[col].astype(\"category\").cat.codes",
        "gc.collect()",
        "",
    ]
    out = f"data/interim/{index:03d}_{name}.{ext}"
    lines.append(f"df.{writer}(\"{out}\")")
    if rng.random() < 0.4:
        out2 = f"../feature/{name}_t{{}}.{ext}"
        lines += ["for T in [3, 5, 7]:", f"    df.head(T).{writer}('{out2}'.format(T))"]
    lines.append('print(PREFIX, df.shape, file=sys.stderr)')
    produced.append((out, reader))
    return "\n".join(lines) + "\n"


def sklearn_module(rng: random.Random, package: str) -> str:
    estimator = rng.choice(("RandomForestClassifier", "GradientBoostingClassifier", "ExtraTreesClassifier",
                            "LogisticRegression"))
    module = "linear_model" if estimator == "LogisticRegression" else "ensemble"
    cls = f"{rng.choice(WORDS).title()}{rng.choice(WORDS).title()}Model"
    lines = [
        f'"""Training of the {cls}."""',
        "from __future__ import annotations",
        "",
        "import json",
        "import logging",
        "from dataclasses import dataclass, field",
        "from typing import Dict, List, Optional",
        "",
        "import joblib",
        "import numpy as np",
        "import pandas as pd",
        f"from sklearn.{module} import {estimator}",
        "from sklearn.metrics import roc_auc_score, log_loss",
        "from sklearn.model_selection import StratifiedKFold",
        "from sklearn.pipeline import Pipeline",
        "from sklearn.preprocessing import StandardScaler",
        "",
        f"from {package}.data import load_frame",
        "",
        "logger = logging.getLogger(__name__)",
        "",
        "",
        "@dataclass",
        f"class {cls}Config:",
        f'    features: List[str] = field(default_factory=list)',
        f'    target: str = "{_col(rng)}"',
        f"    n_splits: int = {rng.choice((3, 5))}",
        f"    seed: int = {rng.randint(0, 999)}",
        f'    params: Dict[str, float] = field(default_factory=lambda: {{"n_jobs": -1}})',
        "",
        "",
        f"class {cls}:",
        f'    """{estimator} with out-of-fold validation."""',
        "",
        f"    def __init__(self, config: {cls}Config) -> None:",
        "        self.config = config",
        "        self.models: List[Pipeline] = []",
        "        self.oof: Optional[np.ndarray] = None",
        "",
        "    def _pipeline(self) -> Pipeline:",
        f'        return Pipeline([("scale", StandardScaler()), ("model", {estimator}(random_state=self.config.seed))])',
        "",
        "    def fit(self, frame: pd.DataFrame) -> float:",
        "        X = frame[self.config.features].to_numpy(dtype=np.float32)",
        "        y = frame[self.config.target].values",
        "        self.oof = np.zeros(len(frame))",
        "        folds = StratifiedKFold(self.config.n_splits, shuffle=True, random_state=self.config.seed)",
        "        for fold, (train_idx, valid_idx) in enumerate(folds.split(X, y)):",
        "            pipe = self._pipeline()",
        "            pipe.fit(X[train_idx], y[train_idx])",
        "            self.oof[valid_idx] = pipe.predict_proba(X[valid_idx])[:, 1]",
        '            logger.info("fold %d auc %.4f", fold, roc_auc_score(y[valid_idx], self.oof[valid_idx]))',
        "            self.models.append(pipe)",
        "        score = roc_auc_score(y, self.oof)",
        '        logger.info("oof auc %.4f logloss %.4f", score, log_loss(y, self.oof))',
        "        return score",
        "",
        "    def predict(self, frame: pd.DataFrame) -> np.ndarray:",
        "        X = frame[self.config.features].to_numpy(dtype=np.float32)",
        "        return np.mean([m.predict_proba(X)[:, 1] for m in self.models], axis=0)",
        "",
        "    def save(self, path: str) -> None:",
        "        joblib.dump(self.models, path)",
        '        with open(path + ".json", "w") as handle:',
        "            json.dump({\"features\": self.config.features, \"target\": self.config.target}, handle)",
        "",
        "",
    ]
    for i in range(rng.randint(1, 4)):
        lines += [
            f"def run_{i}(path: str = \"data/features/train_{rng.choice(WORDS)}.parquet\") -> float:",
            "    frame = load_frame(path)",
            f"    model = {cls}({cls}Config(features=[c for c in frame.columns if c.startswith(\"f{i}\")]))",
            "    score = model.fit(frame)",
            f"    model.save(\"models/{cls.lower()}_{i}.joblib\")",
            f"    pd.DataFrame({{\"oof\": model.oof}}).to_csv(\"data/oof/{cls.lower()}_{i}.csv\", index=False)",
            "    return score",
            "",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def torch_module(rng: random.Random, package: str) -> str:
    hidden = rng.choice((64, 128, 256, 512))
    cls = f"{rng.choice(WORDS).title()}Net"
    lines = [
        f'"""A PyTorch model for {rng.choice(WORDS)} prediction."""',
        "import math",
        "import os",
        "",
        "import numpy as np",
        "import torch",
        "import torch.nn as nn",
        "import torch.nn.functional as F",
        "from torch.utils.data import DataLoader, Dataset",
        "",
        "",
        "class FrameDataset(Dataset):",
        "    def __init__(self, frame, features, target=None):",
        "        self.x = torch.tensor(frame[features].values, dtype=torch.float32)",
        "        self.y = None if target is None else torch.tensor(frame[target].values, dtype=torch.float32)",
        "",
        "    def __len__(self):",
        "        return len(self.x)",
        "",
        "    def __getitem__(self, idx):",
        "        if self.y is None:",
        "            return self.x[idx]",
        "        return self.x[idx], self.y[idx]",
        "",
        "",
        f"class {cls}(nn.Module):",
        f"    def __init__(self, n_in, hidden={hidden}, dropout={rng.choice((0.1, 0.2, 0.3))}):",
        "        super().__init__()",
        "        self.layers = nn.Sequential(",
        "            nn.Linear(n_in, hidden),",
        "            nn.BatchNorm1d(hidden),",
        "            nn.ReLU(),",
        "            nn.Dropout(dropout),",
        "            nn.Linear(hidden, hidden // 2),",
        "            nn.ReLU(),",
        "            nn.Linear(hidden // 2, 1),",
        "        )",
        "",
        "    def forward(self, x):",
        "        return self.layers(x).squeeze(-1)",
        "",
        "",
        "def train(frame, features, target, epochs=%d, lr=%s, device=\"cuda\" if torch.cuda.is_available() else \"cpu\"):"
        % (rng.randint(5, 50), rng.choice(("1e-3", "3e-4", "1e-2"))),
        f"    model = {cls}(len(features)).to(device)",
        "    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-5)",
        "    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)",
        f"    loader = DataLoader(FrameDataset(frame, features, target), batch_size={rng.choice((128, 256, 1024))}, shuffle=True)",
        "    for epoch in range(epochs):",
        "        model.train()",
        "        total = 0.0",
        "        for x, y in loader:",
        "            x, y = x.to(device), y.to(device)",
        "            optimizer.zero_grad()",
        "            loss = F.binary_cross_entropy_with_logits(model(x), y)",
        "            loss.backward()",
        "            optimizer.step()",
        "            total += loss.item() * len(x)",
        "        scheduler.step()",
        "        print(f\"epoch {epoch} loss {total / len(loader.dataset):.4f}\")",
        f"    os.makedirs(\"checkpoints\", exist_ok=True)",
        f"    torch.save(model.state_dict(), \"checkpoints/{cls.lower()}.pt\")",
        "    return model",
        "",
        "",
        "@torch.no_grad()",
        "def predict(model, frame, features, device=\"cpu\"):",
        "    model.eval()",
        "    loader = DataLoader(FrameDataset(frame, features), batch_size=4096)",
        "    preds = [torch.sigmoid(model(x.to(device))).cpu().numpy() for x in loader]",
        "    return np.concatenate(preds)",
    ]
    return "\n".join(lines) + "\n"


def data_module(rng: random.Random) -> str:
    lines = [
        '"""Loading and cleaning of the input frames."""',
        "import glob",
        "import os",
        "",
        "import numpy as np",
        "import pandas as pd",
        "",
        "",
        "def load_frame(path, columns=None):",
        '    if path.endswith(".parquet"):',
        "        return pd.read_parquet(path, columns=columns)",
        "    return pd.read_csv(path, usecols=columns)",
        "",
        "",
        "def to_pickles(df, path, split_size=3):",
        "    os.makedirs(path, exist_ok=True)",
        "    for i, chunk in enumerate(np.array_split(df, split_size)):",
        '        chunk.to_pickle(f"{path}/{i:03d}.p")',
        "",
        "",
        "def read_pickles(path, col=None):",
        '    files = sorted(glob.glob(os.path.join(path, "*.p")))',
        "    frames = [pd.read_pickle(f) for f in files]",
        "    df = pd.concat(frames, ignore_index=True)",
        "    return df if col is None else df[col]",
        "",
        "",
        "def reduce_memory(df):",
        "    for col in df.columns:",
        "        kind = df[col].dtype",
        '        if kind == np.float64:',
        '            df[col] = df[col].astype(np.float32)',
        '        elif kind == np.int64 and df[col].max() < 2 ** 31:',
        '            df[col] = df[col].astype(np.int32)',
        "    return df",
        "",
    ]
    for _ in range(rng.randint(1, 3)):
        c = _col(rng)
        lines += [
            "",
            f"def clean_{c}(df):",
            f'    df["{c}"] = df["{c}"].replace([np.inf, -np.inf], np.nan).fillna(df["{c}"].median())',
            f'    df["{c}_bin"] = pd.qcut(df["{c}"], {rng.randint(4, 20)}, labels=False, duplicates="drop")',
            "    return df",
            "",
        ]
    return "\n".join(lines)


def service_module(rng: random.Random, package: str) -> str:
    name = rng.choice(WORDS)
    fields = [_col(rng) for _ in range(rng.randint(4, 12))]
    lines = [
        f'"""HTTP scoring service for the {name} model (glue between JSON, pandas, numpy and the model)."""',
        "import json",
        "import logging",
        "import os",
        "from typing import Any, Dict, List",
        "",
        "import joblib",
        "import numpy as np",
        "import pandas as pd",
        "from flask import Flask, jsonify, request",
        "",
        "app = Flask(__name__)",
        "log = logging.getLogger(__name__)",
        f'MODEL_PATH = os.environ.get("MODEL_PATH", "models/{name}.joblib")',
        "model = joblib.load(MODEL_PATH)",
        f"FIELDS = {fields!r}",
        "",
        "",
        "def to_frame(payload: Dict[str, Any]) -> pd.DataFrame:",
        '    rows = payload.get("rows") or [payload]',
        "    frame = pd.DataFrame.from_records(rows)",
        "    for field in FIELDS:",
        "        if field not in frame:",
        "            frame[field] = np.nan",
        "    frame = frame[FIELDS].astype(float)",
        "    return frame.fillna(0.0)",
        "",
        "",
        "def to_array(frame: pd.DataFrame) -> np.ndarray:",
        "    return np.ascontiguousarray(frame.to_numpy(dtype=np.float32))",
        "",
        "",
        "def to_response(scores: np.ndarray) -> List[Dict[str, float]]:",
        '    return [{"score": float(s), "label": int(s > 0.5)} for s in scores.tolist()]',
        "",
        "",
        '@app.route("/predict", methods=["POST"])',
        "def predict():",
        "    payload = request.get_json(force=True)",
        "    frame = to_frame(payload)",
        "    scores = model.predict_proba(to_array(frame))[:, 1]",
        '    log.info("scored %d rows", len(scores))',
        "    return jsonify(to_response(scores))",
        "",
        "",
        '@app.route("/health")',
        "def health():",
        '    return jsonify({"status": "ok", "model": MODEL_PATH})',
        "",
    ]
    for i in range(rng.randint(0, 3)):
        lines += [
            "",
            f"def convert_{i}(records):",
            "    frame = pd.DataFrame(records)",
            f'    frame["{fields[i % len(fields)]}"] = pd.to_numeric(frame["{fields[i % len(fields)]}"], errors="coerce")',
            "    array = frame.values.astype(np.float64)",
            "    return json.dumps(array.tolist())",
            "",
        ]
    return "\n".join(lines)


def notebook(rng: random.Random, produced: List[str]) -> str:
    source = rng.choice(produced) if produced else ("data/raw/train.csv", "read_csv")
    cells = [
        ("markdown", [f"# Exploring {rng.choice(WORDS)} data\n"]),
        ("code", ["%matplotlib inline\n", "import pandas as pd\n", "import numpy as np\n",
                  "import matplotlib.pyplot as plt\n", "import seaborn as sns\n"]),
        ("code", [f"df = pd.{source[1]}('{source[0]}')\n", "df.head()\n"]),
        ("code", ["df.describe().T\n"]),
    ]
    for _ in range(rng.randint(2, 6)):
        c = _col(rng)
        cells.append(("code", [f"fig, ax = plt.subplots(figsize=({rng.randint(6, 12)}, 4))\n",
                               f"sns.histplot(df['{c}'], bins={rng.randint(10, 100)}, ax=ax)\n",
                               f"ax.set_title('{c}')\n"]))
        cells.append(("code", [f"df.groupby('{c}')['{_col(rng)}'].agg(['mean', 'count']).sort_values('count')\n"]))
    cells.append(("code", [f"df.sample(frac=0.1, random_state={rng.randint(0, 99)}).to_csv('data/interim/sample_{rng.randint(0, 9999)}.csv')\n"]))
    document = {
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": src,
             **({"outputs": [], "execution_count": None} if kind == "code" else {})}
            for kind, src in cells
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1) + "\n"


def project_files(rng: random.Random, index: int, budget: int) -> Dict[str, str]:
    """One sub-project of about ``budget`` files."""
    base = f"project_{index:03d}"
    package = f"{base}_pkg".replace("-", "_")
    files: Dict[str, str] = {f"{base}/config.py": config_module(rng, base)}
    produced: List[str] = []
    files[f"{base}/{package}/__init__.py"] = f'"""The {package} package."""\n__version__ = "0.{index}.0"\n'
    files[f"{base}/{package}/data.py"] = data_module(rng)
    step = 1
    while len(files) < budget:
        roll = rng.random()
        if roll < 0.45:
            files[f"{base}/{step:03d}_{rng.choice(WORDS)}.py"] = numbered_script(rng, step, produced)
            step += 1
        elif roll < 0.65:
            files[f"{base}/{package}/models/{rng.choice(WORDS)}_{len(files)}.py"] = sklearn_module(rng, package)
        elif roll < 0.78:
            files[f"{base}/{package}/nets/{rng.choice(WORDS)}_{len(files)}.py"] = torch_module(rng, package)
        elif roll < 0.90:
            files[f"{base}/serving/{rng.choice(WORDS)}_{len(files)}.py"] = service_module(rng, package)
        else:
            files[f"{base}/notebooks/{rng.choice(WORDS)}_{len(files)}.ipynb"] = notebook(rng, produced)
    for folder in (f"{base}/{package}/models", f"{base}/{package}/nets"):
        if any(p.startswith(folder + "/") for p in files):
            files[f"{folder}/__init__.py"] = ""
    return files


def generate(root: Path, n_files: int, seed: int = 0) -> int:
    """Write a synthetic ML repository of exactly ``n_files`` files under ``root``; return the count."""
    rng = random.Random(seed)
    files: Dict[str, str] = {}
    index = 0
    while len(files) < n_files:
        budget = min(rng.randint(30, 70), n_files - len(files))
        project = project_files(rng, index, max(3, budget - 2))
        for path in sorted(project)[: n_files - len(files)]:
            files[path] = project[path]
        index += 1
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return len(files)



# -- the monorepo shape: many small projects side by side --------------------------------------------------
def monorepo_project(rng: random.Random, name: str) -> Dict[str, str]:
    """One small ML project of 10 Python files and a README, its scripts run from the project's folder:
    they read and write ``data/...`` relative to it, the same file names in every project (as projects made
    from one template do). A pipeline of numbered scripts with a feedback loop, per-fold pattern files, a
    helper that writes through a parameter, a saved model, and a notebook."""
    cols = [_col(rng) for _ in range(rng.randint(5, 9))]
    target = _col(rng)
    ext, reader, writer = rng.choice(FORMATS)
    files: Dict[str, str] = {}
    files[f"{name}/README.md"] = f"# {name}\n\nRun the numbered scripts from this folder, in order.\n"
    files[f"{name}/config.py"] = "\n".join([
        f'"""Settings of {name}."""',
        'RAW = "data/raw"',
        'INTERIM = "data/interim"',
        f'TARGET = "{target}"',
        f"FEATURES = {cols!r}",
        f"SEED = {rng.randint(0, 9999)}",
        f"N_FOLDS = {rng.choice((3, 5))}",
        "",
    ])
    files[f"{name}/utils.py"] = "\n".join([
        '"""Helpers shared by the steps."""',
        "import pandas as pd",
        "",
        "",
        "def save(df, stem):",
        f'    df.{writer}(f"data/interim/{{stem}}.{ext}")',
        "",
        "",
        "def load(stem):",
        f'    return pd.{reader}(f"data/interim/{{stem}}.{ext}")',
        "",
    ])
    files[f"{name}/01_load.py"] = "\n".join([
        "import os",
        "import pandas as pd",
        "from config import RAW, INTERIM",
        f'df = pd.read_csv(os.path.join(RAW, "{rng.choice(WORDS)}.csv"))',
        f'df = df.dropna(subset=["{cols[0]}"])',
        f'df["{cols[1]}"] = df["{cols[1]}"].clip(lower={rng.randint(0, 5)})',
        f'df.{writer}(os.path.join(INTERIM, "clean.{ext}"))',
        "",
    ])
    aggs = rng.sample(AGGS, 3)
    files[f"{name}/02_features.py"] = "\n".join([
        "import pandas as pd",
        "from config import FEATURES, N_FOLDS",
        "import utils",
        f'df = pd.{reader}("data/interim/clean.{ext}")',
        f'agg = df.groupby("{cols[2]}")[FEATURES].agg({aggs!r})',
        "agg.columns = ['_'.join(c) for c in agg.columns]",
        f'df = df.merge(agg.reset_index(), on="{cols[2]}", how="left")',
        "utils.save(df, 'features')",
        "for k in range(N_FOLDS):",
        f'    df[df.index % N_FOLDS == k].{writer}(f"data/interim/fold_{{k}}.{ext}")',
        "",
    ])
    files[f"{name}/03_split.py"] = "\n".join([
        "import pandas as pd",
        "from sklearn.model_selection import train_test_split",
        "import utils",
        "df = utils.load('features')",
        f'pseudo = pd.{reader}("data/interim/pseudo.{ext}")',
        "df = pd.concat([df, pseudo])",
        f"train, valid = train_test_split(df, test_size=0.{rng.randint(1, 3)}, random_state={rng.randint(0, 99)})",
        f'train.{writer}("data/interim/train.{ext}")',
        f'valid.{writer}("data/interim/valid.{ext}")',
        "",
    ])
    model = rng.choice(("RandomForestClassifier", "GradientBoostingClassifier", "ExtraTreesClassifier"))
    files[f"{name}/04_train.py"] = "\n".join([
        "import joblib",
        "import pandas as pd",
        f"from sklearn.ensemble import {model}",
        "from config import FEATURES, TARGET, SEED",
        f'train = pd.{reader}("data/interim/train.{ext}")',
        f"clf = {model}(n_estimators={rng.randint(50, 500)}, random_state=SEED)",
        "clf.fit(train[FEATURES], train[TARGET])",
        'joblib.dump(clf, "models/model.joblib")',
        "",
    ])
    files[f"{name}/05_predict.py"] = "\n".join([
        "import joblib",
        "import pandas as pd",
        "from config import FEATURES",
        'clf = joblib.load("models/model.joblib")',
        f'valid = pd.{reader}("data/interim/valid.{ext}")',
        'valid["score"] = clf.predict_proba(valid[FEATURES])[:, 1]',
        'valid.to_csv("data/processed/predictions.csv", index=False)',
        "",
    ])
    files[f"{name}/06_pseudo.py"] = "\n".join([
        "import pandas as pd",
        "from config import TARGET",
        'preds = pd.read_csv("data/processed/predictions.csv")',
        f'confident = preds[preds["score"] > 0.{rng.randint(80, 99)}].copy()',
        'confident[TARGET] = (confident["score"] > 0.5).astype(int)',
        f'confident.{writer}("data/interim/pseudo.{ext}")',
        "",
    ])
    files[f"{name}/07_report.py"] = "\n".join([
        "import glob",
        "import pandas as pd",
        f'parts = [pd.{reader}(p) for p in glob.glob("data/interim/fold_*.{ext}")]',
        "summary = pd.concat(parts).describe()",
        'summary.to_csv("reports/summary.csv")',
        "",
    ])
    files[f"{name}/notebooks/explore.ipynb"] = json.dumps({
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                   "source": ["import pandas as pd\n", f'df = pd.{reader}("../data/interim/clean.{ext}")\n',
                              f'df["{cols[0]}"].describe()\n']}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    }, indent=1) + "\n"
    return files


def generate_monorepo(root: Path, n_projects: int, seed: int = 0) -> int:
    """Write ``n_projects`` small projects side by side under ``root`` (a README and 10 Python files or
    notebooks each); return the number of files written."""
    rng = random.Random(seed)
    count = 0
    for index in range(n_projects):
        for path, text in monorepo_project(rng, f"project_{index:03d}").items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            count += 1
    return count


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--monorepo":
        count = generate_monorepo(Path(sys.argv[2]), int(sys.argv[3]))
        print(f"wrote {count} files to {sys.argv[2]}")
        sys.exit(0)
    count = generate(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    print(f"wrote {count} files to {sys.argv[1]}")
