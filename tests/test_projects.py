"""Project roots: relative paths are taken from the project a file belongs to, not from the scan root."""
from __future__ import annotations

from debtscan.project.roots import RootKind, find_project_roots
from debtscan.sources.discover import find_sources
from debtscan.testing import scan_repo, write_repo


def test_markers_make_folders_projects_and_a_package_readme_does_not(tmp_path):
    write_repo(tmp_path, {
        "services/ranker/pyproject.toml": "[project]\nname = 'ranker'\n",
        "services/ranker/src/ranker/train.py": "x = 1\n",
        "churn/requirements-dev.txt": "pandas\n",
        "churn/jobs/score.py": "x = 1\n",
        "kaggle/README.md": "# scripts\n",
        "kaggle/01_prepare.py": "x = 1\n",
        "lib/shared/README.md": "# a package\n",
        "lib/shared/__init__.py": "",
        "lib/shared/io.py": "x = 1\n",
        "docs/README.md": "# no scripts here\n",
        "docs/guide/conf.py": "x = 1\n",
        "vendored/.git/HEAD": "ref: refs/heads/main\n",
        "vendored/tool.py": "x = 1\n",
        "run.py": "x = 1\n",
    })
    files = ["services/ranker/src/ranker/train.py", "churn/jobs/score.py", "kaggle/01_prepare.py",
             "lib/shared/__init__.py", "lib/shared/io.py", "docs/guide/conf.py", "vendored/tool.py", "run.py"]
    roots = find_project_roots(find_sources(tmp_path), files)
    found = {r.path: (r.kind, r.marker) for r in roots.roots}
    assert found == {
        "": (RootKind.SCAN_ROOT, ""),
        "services/ranker": (RootKind.MARKER, "pyproject.toml"),
        "churn": (RootKind.MARKER, "requirements-dev.txt"),
        "kaggle": (RootKind.README, "README.md"),
        "vendored": (RootKind.MARKER, ".git"),
    }
    assert roots.of("services/ranker/src/ranker/train.py").path == "services/ranker"
    assert roots.of("lib/shared/io.py").path == "" and roots.of("docs/guide/conf.py").path == ""
    assert roots.of_artifact("churn/data/*/x.csv").path == "churn"
    assert roots.of_artifact("/home/me/x.csv").path == "" and roots.of_artifact("../x.csv").path == ""


def test_configured_project_roots_replace_the_markers(tmp_path):
    write_repo(tmp_path, {"services/a/requirements.txt": "", "services/a/x.py": "", "jobs/b/y.py": "",
                          "jobs/c/z.py": ""})
    files = ["services/a/x.py", "jobs/b/y.py", "jobs/c/z.py"]
    roots = find_project_roots(find_sources(tmp_path), files, ["jobs/*"])
    assert [r.path for r in roots.roots] == ["", "jobs/b", "jobs/c"]
    assert all(r.kind is RootKind.CONFIGURED for r in roots.roots[1:])
    assert [r.path for r in find_project_roots(find_sources(tmp_path), files, []).roots] == [""]


TEMPLATE = {
    "README.md": "# project\n",
    "prepare.py": "import pandas as pd\npd.read_csv('data/raw/x.csv').to_csv('data/interim/clean.csv')\n",
    "train.py": "import pandas as pd\ndf = pd.read_csv('data/interim/clean.csv')\n",
}


def test_same_relative_paths_in_two_projects_are_two_files(tmp_path):
    write_repo(tmp_path, {f"{name}/{path}": text for name in ("churn", "fraud") for path, text in TEMPLATE.items()})
    report, project = scan_repo(tmp_path, select=["DS2"])
    writers = sorted(project.paths.writers)
    assert writers == ["churn/data/interim/clean.csv", "fraud/data/interim/clean.csv"]
    assert {(f.code, f.path) for f in report.findings} == {
        ("DS201", "churn/prepare.py"), ("DS201", "churn/train.py"),
        ("DS201", "fraud/prepare.py"), ("DS201", "fraud/train.py")}
    assert project.graph.nodes["module:churn/train.py"]["project"] == "churn"
    assert project.graph.nodes["artifact:fraud/data/interim/clean.csv"]["project"] == "fraud"


def test_a_path_that_leaves_its_project_meets_the_other_project(tmp_path):
    write_repo(tmp_path, {
        **{f"churn/{path}": text for path, text in TEMPLATE.items()},
        "fraud/README.md": "# fraud\n",
        "fraud/score.py": "import pandas as pd\ndf = pd.read_csv('../churn/data/interim/clean.csv')\n",
    })
    report, project = scan_repo(tmp_path, select=["DS201"])
    read = next(f for f in report.findings if f.path == "fraud/score.py")
    assert "`churn/data/interim/clean.csv`" in read.message and read.related[0].path == "churn/prepare.py"


def test_scripts_in_a_project_sub_folder_still_run_from_their_own_folder(tmp_path):
    write_repo(tmp_path, {
        "churn/setup.cfg": "[metadata]\nname = churn\n",
        "churn/py/01_clean.py": "import pandas as pd\npd.read_csv('../input/raw.csv').to_csv('../work/clean.csv')\n",
        "churn/py/02_train.py": "import pandas as pd\ndf = pd.read_csv('../work/clean.csv')\n",
    })
    _, project = scan_repo(tmp_path, select=["DS201"])
    assert "churn/py" in project.paths.script_folders
    assert sorted(project.paths.writers) == ["churn/work/clean.csv"]
    assert sorted(project.paths.readers) == ["churn/input/raw.csv", "churn/work/clean.csv"]


def test_project_roots_from_the_configuration(tmp_path):
    write_repo(tmp_path, {f"jobs/{name}/{path}": text for name in ("a", "b") for path, text in TEMPLATE.items()
                          if path != "README.md"})
    _, merged = scan_repo(tmp_path, select=["DS201"])
    assert sorted(merged.paths.writers) == ["data/interim/clean.csv"]  # no marker: one project, as before
    _, split = scan_repo(tmp_path, config={"project-roots": ["jobs/*"]}, select=["DS201"])
    assert sorted(split.paths.writers) == ["jobs/a/data/interim/clean.csv", "jobs/b/data/interim/clean.csv"]


def test_components_are_per_project_first(tmp_path):
    write_repo(tmp_path, {
        "churn/pyproject.toml": "", "churn/train.py": "x = 1\n", "churn/features/build.py": "x = 1\n",
        "tools/lint.py": "x = 1\n", "main.py": "x = 1\n",
    })
    _, project = scan_repo(tmp_path)
    components = project.components
    assert components.of == {"churn/train.py": "churn", "churn/features/build.py": "churn/features",
                                  "tools/lint.py": "tools", "main.py": "(root)"}


# -- a project's findings do not depend on its neighbours (issue 14) --------------------------------------
def test_a_debtscan_toml_marks_a_nested_project(tmp_path):
    write_repo(tmp_path, {"team/debtscan.toml": "", "team/jobs/train.py": "x = 1\n", "run.py": "x = 1\n"})
    roots = find_project_roots(find_sources(tmp_path), ["team/jobs/train.py", "run.py"])
    assert {r.path: (r.kind, r.marker) for r in roots.roots if r.path} == {"team": (RootKind.MARKER, "debtscan.toml")}


def test_a_flow_step_is_the_module_of_its_own_project_when_a_neighbour_has_a_module_of_that_name(tmp_path):
    """fixtures/metaflow-flow's ``from churn.report import weekly_report``, scanned beside helper-flows (which has
    its own ``churn/report.py``): the step is still metaflow-flow's module, the nearest to the flow."""
    import shutil
    from pathlib import Path
    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    for name in ("metaflow-flow", "helper-flows"):
        shutil.copytree(fixtures / name, tmp_path / name)
    _, project = scan_repo(tmp_path, select=["DS2"])
    steps = [(s.script, s.line, s.order) for s in project.pipeline.steps if s.runner.startswith("metaflow-flow/")]
    assert steps == [("metaflow-flow/churn/data.py", 18, 0), ("metaflow-flow/churn/scoring.py", 30, 1),
                     ("metaflow-flow/churn/report.py", 36, 2)]


def test_a_project_function_is_looked_up_in_the_callers_project_before_a_nested_one(tmp_path):
    """``utils.clean`` called from ``app/run.py``: ``app/lib/utils.py`` (the caller's project) and
    ``app/vendor/utils.py`` (a nested project, its own ``pyproject.toml``) are equally near by folders; the
    caller's own project decides."""
    from debtscan.project.calls import Functions
    write_repo(tmp_path, {
        "app/pyproject.toml": "", "app/vendor/pyproject.toml": "",
        "app/run.py": "from utils import clean\nclean()\n",
        "app/lib/utils.py": "def clean():\n    return 1\n",
        "app/vendor/utils.py": "def clean():\n    return 2\n",
    })
    _, project = scan_repo(tmp_path)
    facts = project.facts
    assert Functions(facts).function("utils.clean", "app/run.py") is None   # two equally near: not guessed
    bounded = Functions(facts, lambda p: project.projects.of(p).path)
    assert bounded.function("utils.clean", "app/run.py") == ("app/lib/utils.py", "clean")


def test_fixtures_scanned_side_by_side_keep_their_own_path_and_signal_findings(tmp_path):
    """Fixtures marked as projects (a ``debtscan.toml``) scanned as one tree report, for DS201-DS205 and
    DS301-DS304, what each reports alone (their ``raw-data-dirs`` are their own configuration, which a scan of
    the parent does not read: DS406 is left out)."""
    import shutil
    from pathlib import Path
    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    names = ("metaflow-flow", "helper-flows", "reuse-shapes", "fixed-paths", "network-stacking", "stacked-levels")
    select = ["DS201", "DS202", "DS203", "DS204", "DS205", "DS301", "DS302", "DS303", "DS304"]
    alone = set()
    for name in names:
        shutil.copytree(fixtures / name, tmp_path / name)
        report, _ = scan_repo(tmp_path / name, select=select)
        alone |= {(f.code, f"{name}/{f.path}", f.line) for f in report.findings}
    together, _ = scan_repo(tmp_path, select=select)
    assert {(f.code, f.path, f.line) for f in together.findings} == alone
    assert alone
