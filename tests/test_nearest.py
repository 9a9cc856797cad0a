"""``calls.nearest`` answers as the sorted ranking it replaced (one pass over the candidates, only those under
the caller's top folder), on random folders and names."""
import random

from debtscan.project.calls import nearest


def ranked(candidates, caller):
    """The original: every candidate ranked by (same folder, folders shared), then by name."""
    if caller in candidates:
        return caller
    if len(candidates) == 1:
        return candidates[0]
    home = caller.split("/")[:-1]

    def shared(candidate):
        folders = candidate.split("/")[:-1]
        n = 0
        while n < min(len(folders), len(home)) and folders[n] == home[n]:
            n += 1
        return (n, 1 if n == len(folders) == len(home) else 0)
    order = sorted(candidates, key=lambda c: (tuple(-k for k in shared(c)[::-1]), c))
    return None if shared(order[0]) == shared(order[1]) else order[0]


def test_nearest_is_the_ranking_it_replaced():
    rnd = random.Random(12)

    def path():
        return "/".join([rnd.choice("abc") for _ in range(rnd.randint(0, 3))] + [rnd.choice(["u.py", "v.py"])])

    for _ in range(20000):
        candidates = [path() for _ in range(rnd.randint(1, 6))]
        caller = path()
        assert nearest(candidates, caller) == ranked(candidates, caller), (candidates, caller)


def test_a_monorepo_module_is_found_in_the_callers_project():
    candidates = [f"project_{i:03d}/features.py" for i in range(80)]
    assert nearest(candidates, "project_042/train.py") == "project_042/features.py"
    assert nearest(candidates, "train.py") is None  # from the root every project's is as near
