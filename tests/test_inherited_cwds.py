"""Imported-only modules take their importers' working folder (debtscan.project.folders.inherited_cwds):
the same answers as walking every path through the import graph, at a cost bounded by the import edges."""
import random
from typing import Dict, Optional, Set

from debtscan.project.folders import inherited_cwds


def walk_every_path(modules, importers, cwd_of, project_of) -> Dict[str, str]:
    """The specification: each imported-only module asks all its importers, recursively, at most six levels
    deep, and takes the one folder they agree on (undecided importers abstain)."""
    pending = set(modules)
    out: Dict[str, str] = {}

    def folder_of(path: str, depth: int) -> Optional[str]:
        if path in out:
            return out[path]
        if path in pending and depth < 6:
            found = {folder_of(i, depth + 1) for i in sorted(importers.get(path, ())) if i != path}
            found.discard(None)
            if len(found) == 1:
                out[path] = found.pop()
                return out[path]
            return None
        cwd = cwd_of(path)
        return cwd if cwd not in (None, ".") else ("" if cwd == "." else project_of(path))

    for module in sorted(pending):
        folder_of(module, 0)
    return out


def random_repo(rng: random.Random, size: int):
    names = [f"pkg/m{i}.py" for i in range(size)]
    library = set(rng.sample(names, size // 2))
    importers: Dict[str, Set[str]] = {}
    for name in names:
        for other in rng.sample(names, rng.randint(0, min(4, len(names)))):
            importers.setdefault(name, set()).add(other)
    folders = {name: rng.choice([None, ".", "jobs", "jobs", "serve"]) for name in names}
    return library, importers, folders.get


def test_answers_are_those_of_walking_every_path_through_the_imports():
    rng = random.Random(7)
    for _ in range(300):
        library, importers, cwd_of = random_repo(rng, rng.randint(2, 14))
        assert inherited_cwds(library, importers, cwd_of, lambda p: "proj") == \
            walk_every_path(library, importers, cwd_of, lambda p: "proj")


def test_a_package_whose_modules_all_import_each_other_is_walked_a_bounded_number_of_times():
    # 40 library modules importing each other, each of another project when nothing else says (they never
    # agree): every path through the graph is undecided; walking each one (40^6 of them) never finishes,
    # each (module, level) once asks 6 x 1,600 import edges
    names = [f"pkg/m{i}.py" for i in range(40)]
    importers = {name: set(names) for name in names}
    asked = []

    def cwd_of(path):
        asked.append(path)
        assert len(asked) <= 6 * 40 * 40, "the import graph is walked once per path"
        return None

    assert inherited_cwds(names, importers, cwd_of, lambda p: p) == {}
    assert len(asked) <= 6 * 40 * 40


def test_importers_that_agree_give_their_folder_through_two_levels_of_library_modules():
    importers = {"utils/io.py": {"utils/__init__.py"}, "utils/__init__.py": {"jobs/train.py", "jobs/score.py"}}
    cwds = {"jobs/train.py": "jobs", "jobs/score.py": "jobs"}
    assert inherited_cwds(["utils/io.py", "utils/__init__.py"], importers, cwds.get, lambda p: "") == \
        {"utils/io.py": "jobs", "utils/__init__.py": "jobs"}
