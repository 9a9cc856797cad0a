"""Discovery (issue 2): `.py` and `.ipynb` under the given paths, sorted; `.gitignore` honoured; `.git`,
virtual environments, `site-packages`, `node_modules`, `build`, `dist`, `__pycache__` and the config's
excludes skipped; symlinks never followed, so a scan never leaves its root and never loops."""
import os

from debtscan.sources.discover import discover
from debtscan.testing import write_repo

FILES = {
    "train.py": "x = 1\n",
    "explore.ipynb": "{}",
    "README.md": "# no\n",
    "setup.cfg": "",
    "pkg/__init__.py": "",
    "pkg/model.py": "",
    "pkg/data.pyi": "",
    ".git/hooks/pre-commit.py": "",
    ".venv/lib/site.py": "",
    "myenv/pyvenv.cfg": "home = /usr\n",
    "myenv/lib/python3.11/site-packages/pandas/core.py": "",
    "vendor/site-packages/x.py": "",
    "node_modules/thing/build.py": "",
    "build/lib/pkg/model.py": "",
    "dist/pkg.py": "",
    "pkg/__pycache__/model.cpython-311.py": "",
    ".ipynb_checkpoints/explore-checkpoint.ipynb": "{}",
}


def test_python_files_and_notebooks_are_found_sorted_and_tool_folders_skipped(tmp_path):
    write_repo(tmp_path, FILES)
    found = discover(tmp_path)
    assert found.files == ["explore.ipynb", "pkg/__init__.py", "pkg/model.py", "train.py"]
    assert found.skipped == []


def test_gitignore_files_are_honoured_at_every_level_with_negation(tmp_path):
    write_repo(tmp_path, {
        ".gitignore": "scratch/\n*.tmp.py\n/top_only.py\n",
        "scratch/a.py": "", "keep.tmp.py": "", "top_only.py": "", "sub/top_only.py": "",
        "sub/.gitignore": "gen_*.py\n!gen_keep.py\n", "sub/gen_a.py": "", "sub/gen_keep.py": "", "sub/ok.py": "",
    })
    assert discover(tmp_path).files == ["sub/gen_keep.py", "sub/ok.py", "sub/top_only.py"]
    everything = discover(tmp_path, respect_gitignore=False).files
    assert "scratch/a.py" in everything and "sub/gen_a.py" in everything


def test_gitignore_above_a_scanned_subfolder_still_applies(tmp_path):
    write_repo(tmp_path, {".gitignore": "generated/\n", "src/generated/x.py": "", "src/y.py": ""})
    assert discover(tmp_path, [tmp_path / "src"]).files == ["src/y.py"]


def test_exclude_patterns_are_gitignore_style(tmp_path):
    write_repo(tmp_path, {"legacy/a.py": "", "notebooks/scratch/b.ipynb": "{}", "notebooks/c.ipynb": "{}",
                          "src/a_test.py": "", "src/a.py": ""})
    found = discover(tmp_path, exclude=["legacy/", "notebooks/scratch/", "*_test.py"])
    assert found.files == ["notebooks/c.ipynb", "src/a.py"]


def test_paths_restrict_the_scan_and_a_path_outside_the_root_is_noted(tmp_path):
    write_repo(tmp_path / "root", {"a/x.py": "", "b/y.py": "", "c.py": ""})
    write_repo(tmp_path / "elsewhere", {"z.py": ""})
    root = tmp_path / "root"
    found = discover(root, [root / "a", root / "c.py", tmp_path / "elsewhere"])
    assert found.files == ["a/x.py", "c.py"]
    assert found.skipped == [(str(tmp_path / "elsewhere"), "outside the scanned root")]


def test_symlinks_are_not_followed_and_cycles_do_not_loop(tmp_path):
    root = tmp_path / "root"
    write_repo(root, {"real/x.py": "", "y.py": ""})
    write_repo(tmp_path / "outside", {"secret.py": ""})
    os.symlink(root, root / "real" / "back_to_root")
    os.symlink(root / "real", root / "alias")
    os.symlink(root / "y.py", root / "alias.py")
    os.symlink(tmp_path / "outside", root / "out")
    os.symlink(tmp_path / "outside" / "secret.py", root / "secret.py")
    os.symlink("loop.py", root / "loop.py")
    os.symlink("missing.py", root / "dangling.py")
    found = discover(root)
    assert found.files == ["real/x.py", "y.py"]
    assert sorted(found.skipped) == [
        ("dangling.py", "broken or looping symlink"),
        ("loop.py", "broken or looping symlink"),
        ("out", "symlink leaves the scanned root: not followed"),
        ("secret.py", "symlink leaves the scanned root: not followed"),
    ]


def test_non_regular_files_named_like_python_are_not_read(tmp_path):
    write_repo(tmp_path, {"folder.py/inner.py": "", "ok.py": ""})
    os.mkfifo(tmp_path / "pipe.py")
    assert discover(tmp_path).files == ["folder.py/inner.py", "ok.py"]


def test_a_name_that_is_not_utf8_is_skipped_with_a_printable_note(tmp_path):
    write_repo(tmp_path, {"ok.py": ""})
    (tmp_path / os.fsdecode(b"caf\xe9.py")).write_text("", encoding="utf-8")
    (tmp_path / os.fsdecode(b"dir\xff")).mkdir()
    found = discover(tmp_path)
    assert found.files == ["ok.py"]
    assert sorted(found.skipped) == [("caf\\xe9.py", "file name is not valid UTF-8: skipped"),
                                     ("dir\\xff", "file name is not valid UTF-8: skipped")]


def test_the_listing_order_of_the_filesystem_does_not_matter(tmp_path, monkeypatch):
    write_repo(tmp_path, {f"m{i}/f{j}.py": "" for i in range(3) for j in range(3)})
    expected = discover(tmp_path).files
    real = os.scandir

    def reversed_scandir(path="."):
        with real(path) as entries:
            return iter(list(entries)[::-1])

    monkeypatch.setattr(os, "scandir", reversed_scandir)
    assert discover(tmp_path).files == expected == sorted(expected)
