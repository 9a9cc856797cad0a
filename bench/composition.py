"""Where a repository's lines go, class by class, and its glue-code findings (issue 16's figures).

    python bench/composition.py ~/src/nanoGPT ~/src/Instacart          # one table row per repo
    python bench/composition.py --findings ~/src/nanoGPT               # ... and every DS1xx finding
    python bench/composition.py --json out.json ~/src/nanoGPT          # the rows as JSON too

Each target is scanned with ``python -m debtscan scan TARGET --format json --select DS1 --no-cache
--isolated`` (the installed debtscan), in a child process, so a memory cap (``ulimit -v``) set by the
caller applies to the scan. Prints the code lines, the share of each class and the DS101/DS102/DS103
counts per repo.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List


def scan(target: Path) -> Dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "debtscan", "scan", str(target), "--format", "json", "--select", "DS1",
         "--no-cache", "--isolated", "--exit-zero", "--jobs", "1", "--quiet"],
        capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{target}: debtscan exited {done.returncode}\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="+", type=Path)
    parser.add_argument("--findings", action="store_true", help="list every DS1xx finding")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args(argv)
    rows = []
    for target in args.targets:
        report = scan(target)
        comp = report["metrics"]["composition"]
        classes = comp["classes"]
        counts: Dict[str, int] = {}
        for finding in report["findings"]:
            counts[finding["code"]] = counts.get(finding["code"], 0) + 1
        row = {"repo": target.name, "code_lines": comp["repo"]["code_lines"],
               "fractions": comp["repo"]["fractions"], "findings": counts}
        rows.append(row)
        shares = "  ".join(f"{k} {comp['repo']['fractions'][k]:6.1%}" for k in classes)
        found = " ".join(f"{c}:{n}" for c, n in sorted(counts.items())) or "-"
        print(f"{target.name:28} {comp['repo']['code_lines']:7d}  {shares}  {found}", flush=True)
        if args.findings:
            for finding in report["findings"]:
                print(f"    {finding['code']} {finding['path']}:{finding['line']}  {finding['message'][:160]}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
