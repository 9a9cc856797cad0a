"""`debtscan history`: past commits of a git repository built here, scanned read-only, one record per commit.

The fixture history (oldest first):
  C1 root      prepare.py writes data/interim/clean.csv, train.py reads it          -> 2 x DS201
  C2 glue      + service.py (mostly conversions), + evaluate.py reads the csv too   -> + DS101, DS103, DS201
  C3 comments  train.py gets a header comment (its hand-off line moves from 3 to 6) -> nothing added or paid
  C4 memory    prepare.py becomes a function that train.py and evaluate.py call      -> the 3 DS201 paid
  C5 no glue   service.py deleted                                                    -> DS101, DS103 paid
"""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from debtscan.store import collect, work
from debtscan.cli import main
from debtscan.gitrepo import GitError, TreeCheckout, list_commits, open_repository
from debtscan.history import History, HistoryOptions, delta
from debtscan.report.trends import FindingRef, top_commits
from debtscan.report.history_formats import history_schema, render_csv, render_jsonl

PREPARE = '''import pandas as pd

OUT = "data/interim/clean.csv"
df = pd.read_csv("data/raw/train.csv")
df.dropna().to_csv(OUT, index=False)
'''
TRAIN = '''import pandas as pd

df = pd.read_csv("data/interim/clean.csv")
print(df.shape)
'''
EVALUATE = '''import pandas as pd

scores = pd.read_csv("data/interim/clean.csv")
print(scores.describe())
'''
SERVICE = '''import json

import numpy as np
import pandas as pd

FIELDS = ["height", "weight", "age"]


def decode(body):
    rows = json.loads(body)["rows"]
    frame = pd.DataFrame.from_records(rows)
    frame = frame.rename(columns={"Height": "height", "Weight": "weight"})
    frame["age"] = frame["age"].astype("float32")
    matrix = frame[FIELDS].to_numpy()
    matrix = matrix.astype(np.float32)
    return matrix.reshape(-1, len(FIELDS))


def encode(keys, values):
    values = np.asarray(values)
    listed = values.tolist()
    names = keys.tolist()
    pairs = [{"key": k, "value": v} for k, v in zip(names, listed)]
    return json.dumps({"values": pairs})


def table(matrix):
    frame = pd.DataFrame(matrix, columns=FIELDS)
    frame = frame.rename(columns=str.upper)
    records = frame.to_dict(orient="records")
    return json.dumps(records)


def one(row):
    vector = [row["height"], row["weight"], row["age"]]
    array = np.array(vector)
    array = array.astype(np.float32)
    return array.reshape(1, -1)


def stats(frame):
    described = frame.describe()
    nested = described.to_dict()
    return json.dumps(nested)


def many(rows):
    frame = pd.DataFrame.from_records(rows)
    matrix = frame[FIELDS].to_numpy()
    flat = matrix.ravel().tolist()
    return json.dumps(flat)


def pairs(frame):
    left = frame[["height", "weight"]].to_numpy()
    left = left.astype(np.float64)
    right = frame["age"].to_numpy()
    right = right.reshape(-1, 1)
    joined = np.hstack([left, right])
    return joined.tolist()


def columns(body):
    payload = json.loads(body)
    frame = pd.DataFrame(payload)
    frame = frame.astype("float32")
    renamed = frame.rename(columns=str.lower)
    return renamed.to_dict(orient="list")


def back(text):
    listed = json.loads(text)
    array = np.asarray(listed)
    array = array.astype(np.float32)
    frame = pd.DataFrame(array, columns=FIELDS)
    return frame.to_json(orient="records")
'''
PREPARE_IN_MEMORY = '''import pandas as pd


def clean(path):
    return pd.read_csv(path).dropna()
'''
TRAIN_IN_MEMORY = '''from prepare import clean

df = clean("data/raw/train.csv")
print(df.shape)
'''
EVALUATE_IN_MEMORY = '''from prepare import clean

scores = clean("data/raw/train.csv")
print(scores.describe())
'''


def git(repo: Path, *args: str, **env: str) -> str:
    full_env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo.parent), "GIT_AUTHOR_NAME": "Ada",
                "GIT_AUTHOR_EMAIL": "ada@example.org", "GIT_COMMITTER_NAME": "Ada",
                "GIT_COMMITTER_EMAIL": "ada@example.org", **env}
    out = subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args], cwd=repo,
                         env=full_env, capture_output=True, text=True, check=True)
    return out.stdout


def commit(repo: Path, day: int, message: str, files: dict, delete: tuple = ()) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    for name in delete:
        (repo / name).unlink()
    git(repo, "add", "-A")
    when = f"2024-03-{day:02d}T10:00:00+00:00"
    git(repo, "commit", "-q", "-m", message, GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def project(tmp_path):
    """The five-commit repository of the module docstring; returns (path, [C1..C5])."""
    repo = tmp_path / "shop"
    repo.mkdir()
    git(repo, "init", "-q")
    shas = [
        commit(repo, 1, "prepare and train hand a csv over", {"prepare.py": PREPARE, "train.py": TRAIN}),
        commit(repo, 2, "add a scoring service and an evaluation", {"service.py": SERVICE, "evaluate.py": EVALUATE}),
        commit(repo, 3, "document train", {"train.py": "# Train the model.\n# Reads the cleaned data.\n\n" + TRAIN}),
        commit(repo, 4, "pass the cleaned frame in memory",
               {"prepare.py": PREPARE_IN_MEMORY, "train.py": TRAIN_IN_MEMORY, "evaluate.py": EVALUATE_IN_MEMORY}),
        commit(repo, 5, "drop the scoring service", {}, delete=("service.py",)),
    ]
    return repo, shas


def run(repo: Path, tmp_path: Path, **options):
    history = History(HistoryOptions(path=repo, cache_dir=tmp_path / "cache", jobs=1, **options),
                      open_repository(repo))
    return [record for record, _ in history.run()]


def codes(refs):
    return sorted(f"{f.code} {f.path}" for f in refs)


def test_one_record_per_commit_with_its_counts_and_the_debt_it_added_and_paid(project, tmp_path):
    repo, shas = project
    records = run(repo, tmp_path, last=10)
    assert [r.commit.sha for r in records] == shas
    assert [r.commit.subject for r in records][:2] == ["prepare and train hand a csv over",
                                                       "add a scoring service and an evaluation"]
    assert [r.summary["findings"] for r in records] == [2, 5, 5, 2, 0]
    assert [r.summary["by_rule"] for r in records] == [
        {"DS201": 2}, {"DS101": 1, "DS103": 1, "DS201": 3}, {"DS101": 1, "DS103": 1, "DS201": 3},
        {"DS101": 1, "DS103": 1}, {}]
    assert [r.summary["by_category"] for r in records][1] == {"glue-code": 2, "pipeline-jungle": 3}
    assert [r.headline.handoffs for r in records] == [1, 2, 2, 0, 0]
    assert [r.headline.longest_chain for r in records] == [1, 1, 1, 0, 0]
    assert records[0].headline.glue_code_ratio == 0.0 and records[1].headline.glue_code_ratio > 0.5
    assert records[4].headline.glue_code_ratio == 0.0
    # C1 is the root commit: everything it has, it added.
    assert codes(records[0].added) == ["DS201 prepare.py", "DS201 train.py"] and records[0].paid == ()
    assert records[0].compared_with is None
    assert codes(records[1].added) == ["DS101 service.py", "DS103 service.py", "DS201 evaluate.py"]
    assert records[1].paid == () and records[1].compared_with == shas[0]
    # Moving train.py's hand-off two lines down is neither new nor paid debt (fingerprints ignore lines).
    assert records[2].added == () and records[2].paid == ()
    assert codes(records[3].paid) == ["DS201 evaluate.py", "DS201 prepare.py", "DS201 train.py"]
    assert records[3].added == ()
    assert [f.line for f in records[3].paid if f.path == "train.py"] == [6]  # where it was in C3
    assert codes(records[4].paid) == ["DS101 service.py", "DS103 service.py"] and records[4].added == ()
    assert [r.commit.sha for r in top_commits(records, "added")] == [shas[1], shas[0]]
    assert [r.commit.sha for r in top_commits(records, "paid")] == [shas[3], shas[4]]
    assert [r.commit.sha for r in top_commits(records, "paid", limit=1)] == [shas[3]]


def test_every_kth_commit_counts_back_from_the_newest_and_compares_with_the_previous_record(project, tmp_path):
    repo, shas = project
    records = run(repo, tmp_path, last=10, every=2)
    assert [r.commit.sha for r in records] == [shas[0], shas[2], shas[4]]
    assert codes(records[1].added) == ["DS101 service.py", "DS103 service.py", "DS201 evaluate.py"]
    assert records[1].compared_with == shas[0]
    assert len(records[2].paid) == 5 and records[2].added == ()


def test_last_and_since_choose_the_range(project, tmp_path):
    repo, shas = project
    records = run(repo, tmp_path, last=2)
    assert [r.commit.sha for r in records] == shas[3:]
    # The first record of a range that does not start at the root has nothing to compare with.
    assert records[0].added is None and records[0].paid is None
    assert records[1].compared_with == shas[3] and len(records[1].paid) == 2
    commits = list_commits(open_repository(repo), since="2024-03-03T00:00:00+00:00")
    assert [c.sha for c in commits] == shas[2:]
    assert commits[0].date == "2024-03-03T10:00:00+00:00" and commits[0].author == "Ada"


def test_each_commit_parses_only_the_files_it_changed(project, tmp_path, monkeypatch):
    repo, shas = project
    parsed = []
    real = work.extract_encoded

    def counting(root, task, knowledge, max_size):
        parsed[-1].append(task.path)
        return real(root, task, knowledge, max_size)

    monkeypatch.setattr(collect, "extract_encoded", counting)
    history = History(HistoryOptions(path=repo, last=10, jobs=1, cache_dir=tmp_path / "cache"), open_repository(repo))
    costs = []
    parsed.append([])
    for _, cost in history.run():
        costs.append(cost)
        parsed.append([])
    assert [sorted(p) for p in parsed[:5]] == [
        ["prepare.py", "train.py"], ["evaluate.py", "service.py"], ["train.py"],
        ["evaluate.py", "prepare.py", "train.py"], []]
    assert [c.code_files_changed for c in costs] == [2, 2, 1, 3, 1]
    # A second walk with the same cache directory parses nothing at all.
    parsed[:] = [[]]
    again = History(HistoryOptions(path=repo, last=10, jobs=1, cache_dir=tmp_path / "cache"), open_repository(repo))
    assert [r.summary["findings"] for r, _ in again.run()] == [2, 5, 5, 2, 0]
    assert parsed == [[]]


def _snapshot(repo: Path):
    """Everything of the user's repository a read-only tool must leave as it was."""
    index = (repo / ".git" / "index").read_bytes()
    files = {p.relative_to(repo).as_posix(): p.read_bytes() for p in sorted(repo.rglob("*"))
             if p.is_file() and ".git" not in p.relative_to(repo).parts}
    git_files = sorted(p.relative_to(repo / ".git").as_posix() for p in (repo / ".git").rglob("*"))
    return {
        "index": index,
        "files": files,
        "git_files": git_files,
        "status": git(repo, "status", "--porcelain=v2", "--branch", "--untracked-files=all"),
        "refs": git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "head": git(repo, "symbolic-ref", "HEAD"),
        "worktrees": git(repo, "worktree", "list", "--porcelain"),
        "stash": git(repo, "stash", "list"),
    }


def test_the_users_checkout_index_and_refs_are_never_touched(project, tmp_path):
    repo, shas = project
    (repo / "train.py").write_text("print('work in progress')\n", encoding="utf-8")  # unstaged change
    (repo / "notes.txt").write_text("untracked\n", encoding="utf-8")  # untracked file
    (repo / "evaluate.py").write_text(EVALUATE + "# staged\n", encoding="utf-8")
    git(repo, "add", "evaluate.py")  # a staged change lives in the index only
    git(repo, "status")  # let git refresh its index once, before the snapshot
    before = _snapshot(repo)
    result = CliRunner().invoke(main, ["history", str(repo), "--last", "5", "-o", str(tmp_path / "h.jsonl"),
                                       "--html", str(tmp_path / "h.html"), "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert _snapshot(repo) == before
    assert " M train.py" not in before["status"] and "notes.txt" in before["status"]  # the snapshot sees them
    records = [json.loads(line) for line in (tmp_path / "h.jsonl").read_text().splitlines()]
    assert [r["summary"]["findings"] for r in records] == [2, 5, 5, 2, 0]  # the commits, not the dirty files


def test_history_of_a_sub_folder_scans_that_folder_in_each_commit(tmp_path):
    repo = tmp_path / "mono"
    repo.mkdir()
    git(repo, "init", "-q")
    first = commit(repo, 1, "docs only", {"README.md": "hello\n"})
    second = commit(repo, 2, "an ml folder", {"ml/prepare.py": PREPARE, "ml/train.py": TRAIN, "web/app.py": "x = 1\n"})
    records = run(repo / "ml", tmp_path, last=5)
    assert [r.commit.sha for r in records] == [first, second]
    assert records[0].error == "ml/ does not exist in this commit"
    assert records[1].summary["files_scanned"] == 2 and records[1].summary["by_rule"] == {"DS201": 2}
    assert records[1].added is None  # its predecessor could not be scanned, and it is not a root commit


def test_a_commit_whose_configuration_is_broken_is_recorded_and_the_walk_goes_on(tmp_path):
    repo = tmp_path / "cfg"
    repo.mkdir()
    git(repo, "init", "-q")
    commit(repo, 1, "hand-off", {"prepare.py": PREPARE, "train.py": TRAIN})
    commit(repo, 2, "typo in config", {"pyproject.toml": "[tool.debtscan]\nselekt = ['DS2']\n"})
    commit(repo, 3, "ignore hand-offs", {"pyproject.toml": "[tool.debtscan]\nignore = ['DS201']\n"})
    records = run(repo, tmp_path, last=5)
    assert records[0].summary["findings"] == 2
    assert "unknown key 'selekt'" in records[1].error and records[1].summary == {}
    # Each commit is scanned with its own configuration.
    assert records[2].summary["findings"] == 0 and records[2].compared_with == records[0].commit.sha
    assert len(records[2].paid) == 2
    from debtscan.report.trend_html import render

    page = render(records, title="cfg")
    assert "unknown key &#x27;selekt&#x27;" in page and "1 commit(s) could not be scanned" in page
    lines = [json.loads(line) for line in render_jsonl(records).splitlines()]
    assert lines[1]["summary"] is None and lines[1]["metrics"] is None and lines[1]["added"] is None
    jsonschema.Draft202012Validator(history_schema()).validate(lines[1])


def test_records_validate_against_the_history_schema_and_render_as_jsonl_and_csv(project, tmp_path):
    repo, shas = project
    records = run(repo, tmp_path, last=10)
    schema = history_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    lines = render_jsonl(records).splitlines()
    assert len(lines) == 5
    for line in lines:
        validator.validate(json.loads(line))
    first = json.loads(lines[0])
    assert first["commit"] == shas[0] and first["parents"] == [] and first["added"] == 2
    assert first["date"] == "2024-03-01T10:00:00+00:00" and first["author_date"] == "2024-03-01T10:00:00+00:00"
    assert list(first["metrics"]) == ["code_lines", "glue_code_ratio", "ml_code_ratio", "handoffs",
                                      "longest_chain", "modules_in_jungle", "shared_signals", "cascades"]
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**first, "added": -1})
    rows = list(csv.DictReader(io.StringIO(render_csv(records))))
    assert [row["findings"] for row in rows] == ["2", "5", "5", "2", "0"]
    assert [row["rule:DS201"] for row in rows] == ["2", "3", "3", "0", "0"]
    assert [row["category:glue-code"] for row in rows] == ["0", "2", "2", "2", "0"]
    assert [row["added"] for row in rows] == ["2", "3", "0", "0", "0"]
    assert [row["paid"] for row in rows] == ["0", "0", "0", "3", "2"]
    assert rows[0]["subject"] == "prepare and train hand a csv over"


def test_the_trend_page_is_one_self_contained_file_with_charts_and_the_top_commits(project, tmp_path):
    repo, shas = project
    result = CliRunner().invoke(main, ["history", str(repo), "--last", "5", "--format", "html", "-q",
                                       "-o", str(tmp_path / "trend.html")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "trend.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 4
    assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page
    added = page.split("<h2>Commits that added the most debt</h2>")[1].split("<h2>")[0]
    assert added.index(shas[1][:10]) < added.index(shas[0][:10]) and shas[3][:10] not in added
    paid = page.split("<h2>Commits that paid the most debt</h2>")[1].split("<h2>")[0]
    assert paid.index(shas[3][:10]) < paid.index(shas[4][:10]) and "drop the scoring service" in paid
    assert "<code>DS101</code> <code>service.py:" in paid


def test_cli_usage_errors_are_one_line_and_exit_2(project, tmp_path):
    repo, _ = project
    runner = CliRunner()
    result = runner.invoke(main, ["history", str(repo)])
    assert result.exit_code == 2 and "give --since DATE or --last N" in result.output
    result = runner.invoke(main, ["history", str(repo), "--since", "last tuesday-ish"])
    assert result.exit_code == 2 and "--since 'last tuesday-ish'" in result.output
    result = runner.invoke(main, ["history", str(tmp_path), "--last", "3"])
    assert result.exit_code == 2 and "is not in a git repository" in result.output
    result = runner.invoke(main, ["history", str(repo), "--last", "3", "--rev", "no-such-branch"])
    assert result.exit_code == 2 and "'no-such-branch' does not name a commit" in result.output
    result = runner.invoke(main, ["history", str(repo), "--since", "2030-01-01"])
    assert result.exit_code == 2 and "no commit of HEAD in that range" in result.output
    result = runner.invoke(main, ["history", str(repo), "--since", "3 weeks ago", "-q", "--format", "csv"])
    assert result.exit_code == 2  # the fixture's commits are from March 2024: none in the last 3 weeks


def test_the_checkout_never_writes_outside_its_folder(tmp_path):
    repo = tmp_path / "links"
    repo.mkdir()
    git(repo, "init", "-q")
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(str(outside), repo / "data")  # a symlink to a folder outside the repository
    first = commit(repo, 1, "a link", {"a.py": "x = 1\n"})
    (repo / "data").unlink()
    second = commit(repo, 2, "the link becomes a folder", {"data/b.py": "y = 2\n"})
    with TreeCheckout(open_repository(repo), tmp_path / "tree") as checkout:
        checkout.checkout(first)
        assert os.readlink(tmp_path / "tree" / "data") == str(outside)
        checkout.checkout(second)
        assert (tmp_path / "tree" / "data" / "b.py").read_text() == "y = 2\n"
        assert not (tmp_path / "tree" / "data").is_symlink()
        checkout.checkout(first)
        assert not (tmp_path / "tree" / "data" / "b.py").exists() and (tmp_path / "tree" / "a.py").exists()
    assert list(outside.iterdir()) == []


def test_delta_is_a_multiset_match_by_fingerprint():
    a = FindingRef("f1", "DS201", "pipeline-jungle", "warning", "x.py", 3, "m")
    b = FindingRef("f2", "DS101", "glue-code", "warning", "y.py", 1, "m")
    moved = FindingRef("f1", "DS201", "pipeline-jungle", "warning", "x.py", 9, "m")
    added, paid = delta([a, b], [moved, moved])
    assert added == (moved,) and paid == (b,)


def test_a_bare_repository_is_read_as_well(project, tmp_path):
    repo, shas = project
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True)
    records = run(bare, tmp_path, last=2)
    assert [r.commit.sha for r in records] == shas[3:]
    with pytest.raises(GitError):
        list_commits(open_repository(bare), rev="--all")


def test_tree_paths_that_would_leave_the_folder_are_refused(tmp_path):
    """A crafted tree (git mktree accepts what a checkout would refuse): `..`, `.git`, a `..` folder."""
    repo = tmp_path / "crafted"
    repo.mkdir()
    git(repo, "init", "-q")
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=repo, input="x = 1\n", text=True,
                          capture_output=True, check=True).stdout.strip()
    mktree = lambda text: subprocess.run(["git", "mktree"], cwd=repo, input=text, text=True,  # noqa: E731
                                         capture_output=True, check=True).stdout.strip()
    inner = mktree(f"100644 blob {blob}\tevil.py\n")
    tree = mktree(f"100644 blob {blob}\t..\n100644 blob {blob}\t.git\n040000 tree {inner}\t..\n"
                  f"040000 tree {inner}\t.GIT\n100644 blob {blob}\tok.py\n")
    sha = git(repo, "commit-tree", tree, "-m", "crafted").strip()
    (tmp_path / "box").mkdir()
    with TreeCheckout(open_repository(repo), tmp_path / "box" / "tree") as checkout:
        checkout.checkout(sha)
    assert sorted(p.name for p in (tmp_path / "box").rglob("*")) == ["ok.py", "tree"]
    assert not (tmp_path / "evil.py").exists() and not (tmp_path / "box" / "evil.py").exists()


def test_large_data_files_are_sparse_and_code_is_whole(tmp_path):
    repo = tmp_path / "data"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "data" / "raw").mkdir(parents=True)
    (repo / "data" / "raw" / "big.csv").write_bytes(b"a,b\n" * 400_000)  # 1.6 MB
    (repo / "data" / "raw" / "small.csv").write_bytes(b"a,b\n1,2\n")
    sha = commit(repo, 1, "data and code", {"train.py": TRAIN})
    with TreeCheckout(open_repository(repo), tmp_path / "tree") as checkout:
        checkout.checkout(sha)
    big = (tmp_path / "tree" / "data" / "raw" / "big.csv").read_bytes()
    assert len(big) == 1_600_000 and set(big) == {0}  # its size, without its content
    assert (tmp_path / "tree" / "data" / "raw" / "small.csv").read_bytes() == b"a,b\n1,2\n"
    assert (tmp_path / "tree" / "train.py").read_text(encoding="utf-8") == TRAIN


def test_a_corrupt_history_cache_is_a_warning_and_the_walk_goes_on(project, tmp_path):
    repo, _ = project
    run(repo, tmp_path, last=2)
    packs = list((tmp_path / "cache").glob("history-*.pack"))
    assert len(packs) == 1
    packs[0].write_bytes(b"debtscan-history-facts\nnot marshal")
    history = History(HistoryOptions(path=repo, cache_dir=tmp_path / "cache", jobs=1, last=2), open_repository(repo))
    records = [record for record, _ in history.run()]
    assert [r.summary["findings"] for r in records] == [2, 0]
    assert records[0].summary["files_with_errors"] == 0
    assert len(history.warnings) == 1 and "is corrupt; ignoring it" in history.warnings[0]
    again = History(HistoryOptions(path=repo, cache_dir=tmp_path / "cache", jobs=1, last=2), open_repository(repo))
    assert [r.summary["findings"] for r, _ in again.run()] == [2, 0] and again.warnings == []  # rewritten


def test_a_shallow_clones_oldest_commit_is_not_taken_for_a_root_commit(project, tmp_path):
    repo, shas = project
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", repo.as_uri(), str(shallow)], check=True)
    records = run(shallow, tmp_path, last=10)
    assert [r.commit.sha for r in records] == shas[3:]
    assert records[0].commit.parents == ()  # git hides the parents beyond the boundary ...
    assert records[0].added is None  # ... so nothing is claimed to be added by it
    result = CliRunner().invoke(main, ["history", str(shallow), "--last", "10", "-o", str(tmp_path / "s.jsonl")])
    assert result.exit_code == 0 and "shallow clone" in result.output


def test_a_walk_over_every_commit_compares_each_with_its_first_parent(tmp_path):
    """main: C1 -> M2 (glue) -> M3 merges feature: F1 (a second reader of the hand-off), branched from C1."""
    repo = tmp_path / "branches"
    repo.mkdir()
    git(repo, "init", "-q")
    c1 = commit(repo, 1, "hand-off", {"prepare.py": PREPARE, "train.py": TRAIN})
    git(repo, "checkout", "-q", "-b", "feature")
    f1 = commit(repo, 2, "evaluate too", {"evaluate.py": EVALUATE})
    git(repo, "checkout", "-q", "main")
    m2 = commit(repo, 3, "service", {"service.py": SERVICE})
    when = "2024-03-04T10:00:00+00:00"
    git(repo, "merge", "-q", "--no-ff", "-m", "merge feature", "feature", GIT_AUTHOR_DATE=when,
        GIT_COMMITTER_DATE=when)
    m3 = git(repo, "rev-parse", "HEAD").strip()
    main_line = run(repo, tmp_path, last=10)
    assert [r.commit.sha for r in main_line] == [c1, m2, m3]
    assert codes(main_line[2].added) == ["DS201 evaluate.py"] and main_line[2].compared_with == m2
    every = {r.commit.sha: r for r in run(repo, tmp_path, last=10, first_parent=False)}
    assert set(every) == {c1, f1, m2, m3}
    assert every[f1].compared_with == c1 and codes(every[f1].added) == ["DS201 evaluate.py"]
    assert every[m2].compared_with == c1 and codes(every[m2].added) == ["DS101 service.py", "DS103 service.py"]
    assert every[m2].paid == ()  # not "paid" the evaluate.py hand-off that only the branch has
    assert every[m3].compared_with == m2 and codes(every[m3].added) == ["DS201 evaluate.py"]


def test_records_are_the_same_cold_cached_and_parallel(project, tmp_path):
    repo, _ = project
    cached = render_jsonl(run(repo, tmp_path, last=10))
    cold = History(HistoryOptions(path=repo, last=10, use_cache=False, jobs=1), open_repository(repo))
    parallel = History(HistoryOptions(path=repo, last=10, jobs=2, cache_dir=tmp_path / "other"),
                       open_repository(repo))
    assert render_jsonl([r for r, _ in cold.run()]) == cached
    assert render_jsonl([r for r, _ in parallel.run()]) == cached


def test_a_commit_that_only_edits_data_or_docs_reuses_the_previous_report(tmp_path, monkeypatch):
    import debtscan.history as history_module

    repo = tmp_path / "docs"
    repo.mkdir()
    git(repo, "init", "-q")
    shas = [commit(repo, 1, "hand-off", {"prepare.py": PREPARE, "train.py": TRAIN, "README.md": "# v1\n",
                                         "data/raw/train.csv": "a\n1\n"}),
            commit(repo, 2, "docs and data", {"README.md": "# v2\n", "data/raw/train.csv": "a\n2\n"}),
            commit(repo, 3, "a new data file", {"data/raw/extra.csv": "b\n"}),
            commit(repo, 4, "a code change", {"train.py": TRAIN + "print(1)\n"})]
    scans = []
    real = history_module.scan

    def counting(options):
        scans.append(options.root)
        return real(options)

    monkeypatch.setattr(history_module, "scan", counting)
    records = run(repo, tmp_path, last=10)
    assert [r.commit.sha for r in records] == shas
    assert len(scans) == 3  # C2 changed only what no scan reads; C3 added a file (existence can matter)
    assert records[1].summary == records[0].summary and records[1].findings == records[0].findings
    assert records[1].added == () and records[1].paid == ()
    assert [r.summary["findings"] for r in records] == [2, 2, 2, 2]
    # The same records as scanning every commit.
    monkeypatch.setattr(history_module, "unread_edits_only", lambda before, after: False)
    assert render_jsonl(run(repo, tmp_path / "again", last=10)) == render_jsonl(records)
    assert len(scans) == 7


def test_a_blob_the_repository_lacks_is_an_empty_data_file_or_an_error_for_code(tmp_path):
    repo = tmp_path / "partial"
    repo.mkdir()
    git(repo, "init", "-q")
    blob = lambda text: subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=repo, input=text,  # noqa: E731
                                       text=True, capture_output=True, check=True).stdout.strip()
    code = blob("x = 1\n")
    gone = "1" * 40  # an object the repository does not have (as in a partial clone or a filtered mirror)
    mktree = lambda text: subprocess.run(["git", "mktree", "--missing"], cwd=repo, input=text, text=True,  # noqa
                                         capture_output=True, check=True).stdout.strip()
    with_data = git(repo, "commit-tree", mktree(f"100644 blob {code}\ta.py\n100644 blob {gone}\tlog.csv\n"),
                    "-m", "data missing").strip()
    with_code = git(repo, "commit-tree", mktree(f"100644 blob {gone}\tb.py\n"), "-m", "code missing").strip()
    with TreeCheckout(open_repository(repo), tmp_path / "tree") as checkout:
        checkout.checkout(with_data)
        assert (tmp_path / "tree" / "log.csv").read_bytes() == b"" and checkout.missing == {"log.csv"}
        with pytest.raises(GitError, match="the content of b.py .* is not in the repository"):
            checkout.checkout(with_code)
