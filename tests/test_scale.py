"""Adversarial shapes: the cross-file phase stays linear, and projects side by side never meet.

Each scan runs in a subprocess whose address space is capped by ``resource.setrlimit(RLIMIT_AS, ...)`` before
debtscan is imported: a scan that enumerated cycles, formed every writer x reader pair of all projects, or
matched every pattern against every artifact would exhaust it (MemoryError) or never finish (the timeout).
The growth itself is measured by the benchmark (``bench/run.py --monorepo``), not here.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Dict, List

import pytest

from debtscan.testing import write_repo

resource = pytest.importorskip("resource")

#: The address-space cap of every scan below (virtual memory: interpreter, libcst, networkx included).
ADDRESS_SPACE = 768 * 1024 * 1024
TIMEOUT = 240

_SCAN = textwrap.dedent("""
    import json, resource, sys
    limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from pathlib import Path
    from debtscan.testing import scan_repo
    report, project = scan_repo(Path(sys.argv[1]))
    json.dump({
        "errors": [e.message for e in report.errors],
        "handoffs": project.pipeline.handoff_count,
        "projects": [r.path for r in project.projects.roots],
        "findings": [{"code": f.code, "path": f.path, "line": f.line, "column": f.column, "message": f.message,
                      "related": [[r.path, r.line] for r in f.related]} for f in report.findings],
    }, sys.stdout)
""")


def capped_scan(root: Path) -> Dict:
    """Scan ``root`` in a subprocess limited to :data:`ADDRESS_SPACE` bytes of address space."""
    done = subprocess.run([sys.executable, "-c", _SCAN, str(root), str(ADDRESS_SPACE)], capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["errors"] == []
    return result


def by_code(result: Dict) -> Counter:
    return Counter(f["code"] for f in result["findings"])


def test_the_memory_cap_is_real():
    """The cap bites: in the same set-up, asking for more than it allows raises MemoryError."""
    probe = _SCAN.split("from pathlib")[0] + "bytearray(2 * limit)\n"
    done = subprocess.run([sys.executable, "-c", probe, ".", str(ADDRESS_SPACE)], capture_output=True, text=True,
                          timeout=TIMEOUT)
    assert done.returncode != 0 and "MemoryError" in done.stderr


def test_one_file_written_by_300_modules_and_read_by_300(tmp_path):
    files = {}
    for i in range(300):
        files[f"write_{i:03d}.py"] = f"import pandas as pd\npd.DataFrame({{'v{i}': [1]}}).to_csv('data/shared.csv')\n"
        files[f"read_{i:03d}.py"] = f"import pandas as pd\nframe = pd.read_csv('data/shared.csv')\nprint(frame.shape, {i})\n"
    write_repo(tmp_path, files)
    result = capped_scan(tmp_path)
    counts = by_code(result)
    assert result["handoffs"] == 300 * 300
    assert counts["DS201"] == 600 and counts["DS203"] == 300
    write = next(f for f in result["findings"] if f["code"] == "DS201" and f["path"] == "write_000.py")
    assert "is read by 300 other module(s)" in write["message"] and "and 296 more" in write["message"]
    assert len(write["related"]) == 50  # listed up to a bound, counted in full
    multiple = next(f for f in result["findings"] if f["code"] == "DS203" and f["path"] == "write_150.py")
    assert "300 modules write this intermediate file" in multiple["message"]


def test_200_modules_in_one_file_cycle_give_one_finding_with_a_shortest_cycle(tmp_path):
    # a ring of 200 steps, each also feeding the step after next: as many simple cycles as a Fibonacci
    # number of 200, which no enumeration survives; one strongly connected component
    files = {}
    for i in range(200):
        files[f"step_{i:03d}.py"] = (
            "import pandas as pd\n"
            f"df = pd.read_csv('data/ring_{i:03d}.csv')\n"
            f"skip = pd.read_csv('data/skip_{(i - 2) % 200:03d}.csv')\n"
            f"df.to_csv('data/ring_{(i + 1) % 200:03d}.csv')\n"
            f"skip.to_csv('data/skip_{i:03d}.csv')\n"
        )
    write_repo(tmp_path, files)
    result = capped_scan(tmp_path)
    cycles = [f for f in result["findings"] if f["code"] == "DS206"]
    assert len(cycles) == 1
    cycle = cycles[0]
    assert "among 200 modules that feed each other" in cycle["message"]
    # the witness is a shortest cycle through step_000: 100 skips of two
    assert cycle["message"].startswith("file cycle between 100 modules")
    modules = [path for path, _ in cycle["related"]]
    hops = list(zip(modules[0::2], modules[1::2]))
    assert len(hops) == 100 and all(a != b for a, b in hops)
    assert hops[0][0] == "step_000.py" and hops[-1][1] == "step_000.py"
    chain = [f for f in result["findings"] if f["code"] == "DS202"]
    assert len(chain) == 1 and "chain of 199 intermediate-file hand-offs across 200 modules" in chain[0]["message"]


def test_5000_pattern_writes_meet_only_the_reads_they_name(tmp_path):
    files = {}
    for writer in range(50):
        lines = ["import sys", "import pandas as pd", "part = sys.argv[1]", "df = pd.DataFrame()"]
        lines += [f"df.to_csv(f'data/p{writer * 100 + k:04d}/part_{{part}}.csv')" for k in range(100)]
        files[f"write_{writer:02d}.py"] = "\n".join(lines) + "\n"
    for reader in range(50):
        lines = ["import pandas as pd"]
        lines += [f"f{j} = pd.read_csv('data/p{reader * 100 + j * 10:04d}/part_7.csv')" for j in range(10)]
        files[f"read_{reader:02d}.py"] = "\n".join(lines) + "\n"
    write_repo(tmp_path, files)
    result = capped_scan(tmp_path)
    assert result["handoffs"] == 500
    reads = [f for f in result["findings"] if f["code"] == "DS201" and f["path"].startswith("read_")]
    assert len(reads) == 500
    first = next(f for f in reads if f["path"] == "read_03.py" and f["line"] == 3)
    assert first["related"] == [["write_03.py", 5 + 10]]  # line 5 + k writes part k


#: A small ML project of the kind a template makes: every copy writes the same relative paths.
PROJECT = {
    "README.md": "# A churn project\n\nRun the numbered scripts from this folder.\n",
    "config.py": """
        RAW = "data/raw"
        FEATURES = ["tenure", "plan", "spend"]
        TARGET = "churned"
    """,
    "01_clean.py": """
        import os
        import pandas as pd
        from config import RAW
        df = pd.read_csv(os.path.join(RAW, "customers.csv"))
        df.dropna().to_csv("data/interim/clean.csv")
    """,
    "02_features.py": """
        import pandas as pd
        from sklearn.model_selection import train_test_split
        df = pd.read_csv("data/interim/clean.csv")
        pseudo = pd.read_csv("data/interim/pseudo.csv")
        train, test = train_test_split(pd.concat([df, pseudo]))
        train.to_csv("data/interim/train.csv")
        for fold in range(5):
            train.sample(frac=0.2).to_csv(f"data/interim/fold_{fold}.csv")
    """,
    "02_features_v2.py": """
        import pandas as pd
        pd.read_csv("data/interim/clean.csv").to_csv("data/interim/train.csv")
    """,
    "03_train.py": """
        import glob
        import joblib
        import pandas as pd
        from sklearn.linear_model import LogisticRegression
        from config import FEATURES, TARGET
        train = pd.read_csv("data/interim/train.csv")
        folds = [pd.read_csv(p) for p in glob.glob("data/interim/fold_*.csv")]
        model = LogisticRegression().fit(train[FEATURES], train[TARGET])
        train["score"] = model.predict_proba(train[FEATURES])[:, 1]
        train.to_csv("data/interim/scored.csv")
        joblib.dump(model, "models/model.joblib")
    """,
    "04_pseudo.py": """
        import pandas as pd
        scored = pd.read_csv("data/interim/scored.csv")
        scored[scored["score"] > 0.9].to_csv("data/interim/pseudo.csv")
        extra = pd.read_csv("data/processed/legacy_features.csv")
    """,
    "report/summary.py": """
        import pandas as pd
        scored = pd.read_csv("../data/interim/scored.csv")
        print(scored["tenure"].mean(), scored["spend"].sum())
    """,
}


def _local(result: Dict, prefix: str) -> List:
    """The findings of one project, paths relative to it: (code, path, line, column, related places)."""
    out = []
    for f in result["findings"]:
        if not (f["path"] + "/").startswith(prefix):
            continue
        out.append((f["code"], f["path"][len(prefix):], f["line"], f["column"],
                    tuple((p[len(prefix):], n) for p, n in f["related"])))
    return sorted(out)


def test_80_copies_side_by_side_each_give_exactly_the_findings_of_the_copy_alone(tmp_path):
    alone = tmp_path / "alone"
    write_repo(alone, PROJECT)
    single = capped_scan(alone)
    expected = _local(single, "")
    codes = Counter(code for code, *_ in expected)
    # the fixture exercises every cross-file rule a monorepo could mix up
    assert {"DS201", "DS202", "DS203", "DS204", "DS206", "DS406"} <= set(codes)
    monorepo = tmp_path / "monorepo"
    write_repo(monorepo, {f"team_{i:02d}/{path}": text for i in range(80) for path, text in PROJECT.items()})
    result = capped_scan(monorepo)
    assert result["projects"] == [""] + [f"team_{i:02d}" for i in range(80)]
    assert result["handoffs"] == 80 * single["handoffs"]
    for i in range(80):
        assert _local(result, f"team_{i:02d}/") == expected, f"team_{i:02d}"
    for finding in result["findings"]:
        home = finding["path"].split("/", 1)[0]
        assert all(path.split("/", 1)[0] == home for path, _ in finding["related"]), finding
    assert len(result["findings"]) == 80 * len(expected)
