"""Are two revisions of debtscan's behaviour the same? Their JSON reports, byte for byte (issue 13).

    python bench/compare_reports.py --base main                      # every fixture, base vs this tree
    python bench/compare_reports.py --base v0.1.0 --head HEAD ~/src/nanoGPT ~/src/Instacart
    python bench/compare_reports.py --base main --keep out/          # keep both reports of each target
    python bench/compare_reports.py --base main --format sarif --format html fixtures/demo

``--format`` (repeatable; default ``json``) compares the reports in those formats instead.

Each revision is exported with ``git archive`` into a temporary folder (the working tree itself when
``--head`` is not given) and run as ``python -m debtscan scan TARGET --format FORMAT --no-cache --jobs 1``
from a neutral folder, with that export first on ``PYTHONPATH``. Targets default to the whole
``fixtures/`` folder and each fixture in it. Exit status 0 when every pair of reports is identical, 1
when one differs (the first differing line of each is printed), 2 on a usage error. Restructuring work
(moving code between modules and packages) must leave this at 0.
"""
from __future__ import annotations

import argparse
import difflib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import List, Optional, Tuple

REPO = Path(__file__).resolve().parent.parent


def export(rev: str, dest: Path) -> Path:
    """The debtscan package of ``rev`` (and its rule pages, ``rules/``) unpacked under ``dest``; returns the
    folder to put on PYTHONPATH."""
    dest.mkdir(parents=True, exist_ok=True)
    archive = dest / "src.tar"
    listed = subprocess.run(["git", "-C", str(REPO), "ls-tree", "--name-only", rev], stdout=subprocess.PIPE,
                            check=True, text=True).stdout.split()
    with archive.open("wb") as handle:
        subprocess.run(["git", "-C", str(REPO), "archive", rev, "debtscan", *(["rules"] if "rules" in listed else [])],
                       stdout=handle, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(dest)
    archive.unlink()
    return dest


def report(src: Path, target: Path, neutral: Path, output_format: str = "json") -> Tuple[bytes, bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("DEBTSCAN_TRUST_CONFIG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "debtscan", "scan", str(target), "--format", output_format, "--no-cache",
         "--jobs", "1", "--exit-zero"],
        cwd=neutral, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    return proc.stdout, proc.stderr


def default_targets() -> List[Path]:
    fixtures = REPO / "fixtures"
    return [fixtures] + sorted(p for p in fixtures.iterdir() if p.is_dir())


def _outside_checkout(target: Path, copies: Path) -> Path:
    """``target`` itself, or for a folder inside this checkout a copy of it under ``copies``."""
    try:
        relative = target.relative_to(REPO)
    except ValueError:
        return target
    copy = copies / (relative if relative.parts else Path("root")) / target.name
    if not copy.exists():
        shutil.copytree(target, copy, ignore=shutil.ignore_patterns(".debtscan_cache", "__pycache__"))
    return copy


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", type=Path, help="folders to scan (default: the fixtures)")
    parser.add_argument("--base", required=True, help="the revision to compare against (e.g. main)")
    parser.add_argument("--head", help="the revision to compare (default: this working tree)")
    parser.add_argument("--keep", type=Path, help="write both reports of every target into this folder")
    parser.add_argument("--format", dest="formats", action="append", metavar="FORMAT",
                        help="compare the reports in this format (repeatable; default: json)")
    args = parser.parse_args(argv)
    formats = args.formats or ["json"]
    targets = [t.resolve() for t in args.targets] or default_targets()
    for target in targets:
        if not target.is_dir():
            parser.error(f"not a folder: {target}")
    with tempfile.TemporaryDirectory(prefix="debtscan-compare-") as tmp:
        tmp_path = Path(tmp)
        base_src = export(args.base, tmp_path / "base")
        head_src = export(args.head, tmp_path / "head") if args.head else REPO
        neutral = tmp_path / "cwd"
        neutral.mkdir()
        copies = tmp_path / "targets"
        scanned = {target: _outside_checkout(target, copies) for target in targets}
        differing = 0
        runs = [(target, fmt) for target in targets for fmt in formats]
        for target, fmt in runs:
            label = f"{target}" if formats == ["json"] else f"{target} [{fmt}]"
            (base_out, base_err), (head_out, head_err) = (
                report(base_src, scanned[target], neutral, fmt), report(head_src, scanned[target], neutral, fmt))
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                stem = target.name or "root"
                (args.keep / f"{stem}.base.{fmt}").write_bytes(base_out)
                (args.keep / f"{stem}.head.{fmt}").write_bytes(head_out)
            if not base_out or not head_out:
                differing += 1
                print(f"FAILED  {label}: a scan wrote no report\n{base_err.decode()[-800:]}"
                      f"{head_err.decode()[-800:]}")
                continue
            if base_out == head_out:
                print(f"same    {label} ({len(head_out):,} bytes)")
                continue
            differing += 1
            diff = difflib.unified_diff(
                base_out.decode().splitlines(), head_out.decode().splitlines(), "base", "head", n=1,
                lineterm="")
            print(f"DIFFERS {label}")
            for line in list(diff)[:12]:
                print("   ", line[:200])
        print(f"{len(runs) - differing} of {len(runs)} reports identical")
        return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
