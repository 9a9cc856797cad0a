"""debtscan as a pre-commit hook, run by the real `pre-commit` tool on real `git commit`s.

The hook repository is a fresh git repo holding this checkout's working tree (so the test exercises the code
under test, committed or not, and works the same in a fresh CI clone). pre-commit installs it into its own
virtualenv from that repo (pip, from PyPI), once per test run, in a temporary PRE_COMMIT_HOME.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import yaml
from pre_commit.clientlib import load_config, load_manifest

REPO = Path(__file__).resolve().parent.parent
COPIED = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "debtscan", "rules")


def test_hook_manifest_is_valid_and_sees_whole_repo():
    hooks = {hook["id"]: hook for hook in load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}
    hook = hooks["debtscan"]
    assert hook["entry"] == "debtscan scan --quiet"  # findings and the count line, no charts
    assert hook["language"] == "python"
    assert set(hook["types_or"]) == {"python", "jupyter"}
    assert hook["pass_filenames"] is True
    assert hook["require_serial"] is True  # one process sees the whole repo; no parallel duplicate scans


def test_readme_ci_snippets_are_ready_to_paste(tmp_path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", readme, re.S)]
    precommit = [b for b in blocks if isinstance(b, dict) and "repos" in b]
    assert len(precommit) == 2
    for index, block in enumerate(precommit):
        path = tmp_path / f"pc{index}.yaml"
        path.write_text(yaml.safe_dump(block), encoding="utf-8")
        hooks = [hook for repo in load_config(str(path))["repos"] for hook in repo["hooks"]]
        assert [hook["id"] for hook in hooks] == ["debtscan"]
    workflow = next(b for b in blocks if isinstance(b, dict) and "jobs" in b)
    steps = workflow["jobs"]["debtscan"]["steps"]
    commands = " ".join(step.get("run", "") for step in steps)
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert f"--format sarif -o {upload['with']['sarif_file']}" in commands
    assert workflow["permissions"]["security-events"] == "write"
    assert "--format github" in commands and "GITHUB_STEP_SUMMARY" in commands
    gitlab = next(b for b in blocks if isinstance(b, dict) and "debtscan" in b and "jobs" not in b)["debtscan"]
    report = gitlab["artifacts"]["reports"]["codequality"]
    assert any(f"--format gitlab -o {report}" in line for line in gitlab["script"])


def _git_env(tmp: Path) -> dict:
    # isolated from the caller's git config, virtualenv and PYTHONPATH: the hook runs the debtscan it installed
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "PRE_COMMIT", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "DEBTSCAN_"))}
    env.update({
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
        "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1",
    })
    return env


def _run(args, cwd: Path, env: dict, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def _git(cwd: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    out = _run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args], cwd, env)
    assert out.returncode == 0, out.stdout + out.stderr
    return out


def _write(root: Path, path: str, source: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")


def _hook_repo(tmp: Path, env: dict) -> tuple:
    """A git repo with this working tree's package and hook manifest, and its HEAD commit."""
    hook_repo = tmp / "debtscan-hook"
    hook_repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".debtscan_cache", "*.egg-info")
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, hook_repo / name, ignore=ignore)
        else:
            shutil.copy2(source, hook_repo / name)
    _git(hook_repo, env, "init", "-q")
    _git(hook_repo, env, "add", "-A")
    _git(hook_repo, env, "commit", "-q", "-m", "debtscan under test")
    rev = _git(hook_repo, env, "rev-parse", "HEAD").stdout.strip()
    return hook_repo, rev


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_hook_fails_on_commit_adding_pipeline_jungle_and_passes_on_clean_one(tmp_path):
    env = _git_env(tmp_path)
    hook_repo, rev = _hook_repo(tmp_path, env)

    project = tmp_path / "churn"
    project.mkdir()
    _git(project, env, "init", "-q")
    _write(project, ".pre-commit-config.yaml", f"""
        repos:
          - repo: {hook_repo.as_posix()}
            rev: {rev}
            hooks:
              - id: debtscan
                args: [--select, DS2]
    """)
    # A clean start: prepare.py writes a table nobody reads yet; train.py reads only raw data.
    _write(project, "prepare.py", """
        import pandas as pd


        def clean(df):
            return df.dropna()


        if __name__ == "__main__":
            clean(pd.read_csv("data/raw/customers.csv")).to_parquet("data/interim/customers.parquet")
    """)
    _write(project, "train.py", """
        import pandas as pd
        from sklearn.linear_model import LogisticRegression

        df = pd.read_csv("data/raw/customers.csv").dropna()
        LogisticRegression().fit(df[["tenure"]], df["churned"])
    """)
    _write(project, "README.md", "churn\n")
    out = _run([sys.executable, "-m", "pre_commit", "install"], project, env)
    assert out.returncode == 0, out.stdout + out.stderr
    _git(project, env, "add", "-A")
    first = _run(["git", "commit", "-m", "clean start"], project, env, timeout=400)  # installs the hook env
    assert first.returncode == 0, first.stdout + first.stderr
    assert "debtscan" in first.stdout + first.stderr  # the hook ran (and passed)

    # The debt: train.py now picks up prepare.py's intermediate file. Only train.py is staged, yet the hook
    # sees prepare.py too (whole-repo graph) and reports both ends of the hand-off.
    _write(project, "train.py", """
        import pandas as pd
        from sklearn.linear_model import LogisticRegression

        df = pd.read_parquet("data/interim/customers.parquet")
        LogisticRegression().fit(df[["tenure"]], df["churned"])
    """)
    _git(project, env, "add", "train.py")
    debt = _run(["git", "commit", "-m", "train on the prepared table"], project, env, timeout=120)
    output = debt.stdout + debt.stderr
    assert debt.returncode != 0, output
    assert "DS201" in output and "train.py" in output and "data/interim/customers.parquet" in output
    assert "prepare.py" in output
    log = _git(project, env, "log", "--oneline").stdout.splitlines()
    assert len(log) == 1  # the commit was refused

    # The fix: hand the data over in memory; the commit goes through.
    _write(project, "train.py", """
        import pandas as pd
        from sklearn.linear_model import LogisticRegression
        from prepare import clean

        df = clean(pd.read_csv("data/raw/customers.csv"))
        LogisticRegression().fit(df[["tenure"]], df["churned"])
    """)
    _git(project, env, "add", "train.py")
    fixed = _run(["git", "commit", "-m", "train on cleaned raw data"], project, env, timeout=120)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert len(_git(project, env, "log", "--oneline").stdout.splitlines()) == 2
