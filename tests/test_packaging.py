"""An installed wheel finds the rule pages, the single source of every rule's text, away from any checkout.

The pages live in ``rules/`` at the top of the repository (beside the code in a checkout and an editable
install); a wheel ships them as data files (``share/debtscan/rules``). This builds the wheel from a copy of
the sources, installs it into a fresh virtual environment and reads the texts there from a neutral folder.
"""
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from debtscan.rules.registry import load_rules

REPO = Path(__file__).resolve().parent.parent
RULES = load_rules().rules


def _run(*args, **kwargs):
    result = subprocess.run([str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            **kwargs)
    assert result.returncode == 0, result.stdout[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("setuptools", minversion="70.1")  # the build backend, with bdist_wheel built in
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    for folder in ("debtscan", "rules"):
        shutil.copytree(REPO / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", out, src)
    (built,) = out.glob("debtscan-*.whl")
    return built


def test_the_wheel_ships_every_rule_page_as_a_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    pages = {name.rsplit("/", 1)[1] for name in names if "/data/share/debtscan/rules/" in name}
    assert pages == {f"{code}.md" for code in RULES}


def test_an_installed_wheel_reads_each_rule_text_from_its_installed_page(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel)
    # the dependencies (libcst, networkx, ...) from this environment, after the new one's own packages (a .pth
    # line only extends the path: this environment's editable debtscan finder is not activated)
    purelib = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").strip())
    deps = [p for p in sys.path if p.endswith("site-packages")]
    (purelib / "zz_test_deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    neutral = tmp_path / "elsewhere"
    neutral.mkdir()
    probe = ("import json, debtscan; from debtscan.rules.registry import load_rules; "
             "from debtscan.rules.pages import _installed_pages, page_of; rules = load_rules().rules; "
             "print(json.dumps({'package': debtscan.__file__, 'record': [str(p) for p in _installed_pages()], 'texts': {c: [r.summary, r.why, r.fix, "
             "str(page_of(r).path)] for c, r in rules.items()}}))")
    data = json.loads(_run(python, "-c", probe, cwd=neutral, env={"PATH": "/usr/bin:/bin"}))
    assert Path(data["package"]).resolve().is_relative_to(venv.resolve())
    assert set(data["texts"]) == set(RULES)
    # found through the distribution's record of its files (whatever the install scheme)
    assert [Path(p).resolve().is_relative_to(venv.resolve()) for p in data["record"]] == [True]
    for code, (summary, why, fix, page) in data["texts"].items():
        assert [summary, why, fix] == [RULES[code].summary, RULES[code].why, RULES[code].fix], code
        assert Path(page).resolve().is_relative_to(venv.resolve()), page
        assert Path(page).parent.parts[-3:] == ("share", "debtscan", "rules")
