"""debtscan's benchmark: every mode on the same files, as a ratio to a bare libcst parse, with peak RSS.

    python bench/run.py                       # synthetic ML repos of 100, 1,000 and 5,000 files
    python bench/run.py --sizes 100 1000      # only these sizes
    python bench/run.py --path ~/src/diffusers --repeat 1   # any folder (it writes .debtscan_cache there)
    python bench/run.py --monorepo 5 --repeat 1   # 5, 20 and 80 small projects side by side (issue 12)

Modes, each run in its own subprocess: wall time including interpreter start-up, CPU time (user + system
of the run and its worker processes; steadier than wall time on a busy machine) and peak RSS (of the
largest process of the run, worker processes included), all from ``wait4``'s rusage:

- ``bare``: parse every file the scan sees with ``libcst.parse_module`` in one process (the floor);
- ``cold-j1`` / ``cold-j2``: ``debtscan scan --format json --jobs 1|2`` with an empty cache;
- ``warm``: the same scan again, nothing changed: the result cache (``debtscan.store.results``) writes the
  stored report again without analysing anything;
- ``warm-facts``: the same, with the result cache off (``DEBTSCAN_NO_RESULT_CACHE=1``): every file's facts
  from the facts cache, the project, rules and report computed again (what ``warm`` measured before the
  result cache);
- ``one-changed``: pre-commit style, one file edited and passed as argument: the whole project's graph is
  built (from the cache, one file re-parsed) and only findings touching that file are reported.

Bytecode: by default the benchmark byte-compiles the debtscan package it runs (``compileall``) and runs every
subprocess without ``PYTHONDONTWRITEBYTECODE``, so that it measures what an installed debtscan costs (pip
writes ``.pyc`` files at install). An editable checkout in an environment that sets
``PYTHONDONTWRITEBYTECODE=1`` compiles debtscan's ~100 modules at every run instead (about 0.4 s of CPU);
``--bytecode as-is`` measures that case (the environment and the checkout as they are).

Each mode runs ``--repeat`` times (default 3); the median is reported. Targets (issue 7): cold-j1 <= 1.25,
cold-j2 <= 0.70 (on 2 cores), warm <= 0.05, one-changed <= 0.10, 5,000 vs 1,000 files within 10% of 5x,
peak RSS on 5,000 files <= 1.5x the bare parse's.

The monorepo shape (``--monorepo N``): N, 4N and 16N copies of a 10-file project made from one template
(``bench.synth.generate_monorepo``: the same relative paths in every project, a feedback loop, pattern
files, a helper that writes), and the growth of time and peak RSS from 1x to 4x and 16x the projects.
Targets (issue 12): 4x the projects costs at most 5x the time and 4x the peak memory; on 80 projects (800
files) cold-j1 <= 1.5x the bare parse and peak RSS < 1 GB.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

BARE = r"""
import os, sys
from pathlib import Path
import libcst
try:
    from debtscan.sources.discover import discover
    from debtscan.sources.guards import read_source
except ImportError:  # a revision before the sources/ package (a before/after comparison)
    from debtscan.discover import discover
    from debtscan.source import read_source
root = Path(sys.argv[1])
ok = failed = 0
for rel in discover(root).files:
    try:
        with open(os.path.join(root, rel), "rb") as handle:
            libcst.parse_module(read_source(rel, handle.read()).text)
        ok += 1
    except Exception:
        failed += 1
print(ok, failed)
"""

TARGETS = {"cold-j1": 1.25, "cold-j2": 0.70, "warm": 0.05, "one-changed": 0.10}
MODES = ("bare", "cold-j1", "cold-j2", "warm", "warm-facts", "one-changed", "version")


ENV: Dict[str, str] = dict(os.environ)  # the subprocesses' environment (see ``prepare_bytecode``)


def prepare_bytecode(mode: str) -> str:
    """``compiled``: byte-compile the debtscan package the subprocesses import and let them read and write
    ``.pyc`` files (an installed debtscan); ``as-is``: the environment unchanged. Returns a line for the
    table's header."""
    import debtscan

    package = Path(debtscan.__file__).resolve().parent
    if mode == "compiled":
        import compileall

        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        compileall.compile_dir(str(package), quiet=1)
        return f"bytecode: compiled ({package})"
    return f"bytecode: as is (PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r})"


def measure(cmd: List[str], cwd: Optional[Path] = None, env: Optional[Dict[str, str]] = None
            ) -> Tuple[float, float, int]:
    """(wall seconds, CPU seconds of all its processes, peak RSS in kB of the largest process)."""
    started = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=env if env is not None else ENV)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    stderr = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"benchmark command failed ({code}): {' '.join(cmd)}\n{stderr}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def _changed_file(root: Path) -> Path:
    """A mid-sized Python file to edit for the pre-commit mode."""
    from debtscan.sources.discover import discover

    files = [f for f in discover(root).files if f.endswith(".py")]
    files.sort(key=lambda f: ((root / f).stat().st_size, f))
    return root / files[len(files) // 2]


def run_modes(root: Path, repeat: int, out_dir: Path, extra: List[str] = ()) -> Dict[str, Dict[str, float]]:
    python = sys.executable
    scan = [python, "-m", "debtscan", "scan", "--format", "json", "--exit-zero", *extra]
    cache = root / ".debtscan_cache"
    target = _changed_file(root)
    original = target.read_bytes()
    times: Dict[str, List[float]] = {m: [] for m in MODES}
    cpu: Dict[str, List[float]] = {m: [] for m in MODES}
    rss: Dict[str, List[int]] = {m: [] for m in MODES}
    env_note = os.environ.pop("DEBTSCAN_NO_CACHE", None)
    for name in ("DEBTSCAN_NO_CACHE", "DEBTSCAN_NO_RESULT_CACHE"):
        ENV.pop(name, None)
    try:
        for index in range(repeat):
            def record(mode: str, cmd: List[str], cwd: Optional[Path] = None,
                       env: Optional[Dict[str, str]] = None) -> None:
                seconds, cpu_seconds, peak = measure(cmd, cwd, env)
                times[mode].append(seconds)
                cpu[mode].append(cpu_seconds)
                rss[mode].append(peak)

            record("bare", [python, "-c", BARE, str(root)])
            shutil.rmtree(cache, ignore_errors=True)
            record("cold-j1", scan + [str(root), "--jobs", "1", "-o", str(out_dir / "cold-j1.json")])
            shutil.rmtree(cache, ignore_errors=True)
            record("cold-j2", scan + [str(root), "--jobs", "2", "-o", str(out_dir / "cold-j2.json")])
            record("warm", scan + [str(root), "--jobs", "2", "-o", str(out_dir / "warm.json")])
            record("warm-facts", scan + [str(root), "--jobs", "2", "-o", str(out_dir / "warm-facts.json")],
                   env={**ENV, "DEBTSCAN_NO_RESULT_CACHE": "1"})
            record("version", [python, "-m", "debtscan", "--version"])
            target.write_bytes(original + f"\n# benchmark edit {index} {time.time()}\n".encode())
            try:
                record("one-changed", scan + [str(target.relative_to(root)), "-o", str(out_dir / "one.json")],
                       cwd=root)
            finally:
                target.write_bytes(original)
    finally:
        target.write_bytes(original)
        shutil.rmtree(cache, ignore_errors=True)
        if env_note is not None:
            os.environ["DEBTSCAN_NO_CACHE"] = env_note
    same = (out_dir / "cold-j1.json").read_bytes() == (out_dir / "cold-j2.json").read_bytes() \
        == (out_dir / "warm.json").read_bytes() == (out_dir / "warm-facts.json").read_bytes()
    result: Dict[str, Dict[str, float]] = {}
    bare = statistics.median(times["bare"])
    bare_cpu = statistics.median(cpu["bare"])
    bare_rss = statistics.median(rss["bare"])
    for mode in MODES:
        seconds = statistics.median(times[mode])
        cpu_seconds = statistics.median(cpu[mode])
        peak = statistics.median(rss[mode])
        result[mode] = {"seconds": round(seconds, 3), "ratio": round(seconds / bare, 3),
                        "cpu_seconds": round(cpu_seconds, 3), "cpu_ratio": round(cpu_seconds / bare_cpu, 3),
                        "peak_rss_mb": round(peak / 1024, 1), "rss_ratio": round(peak / bare_rss, 2)}
    result["_"] = {"identical_reports": same, "changed_file": str(target.relative_to(root))}
    return result


def count_files(root: Path) -> int:
    from debtscan.sources.discover import discover

    return len(discover(root).files)


def print_table(name: str, files: int, result: Dict[str, Dict[str, float]]) -> None:
    print(f"\n{name}: {files} files  (j1, j2, warm, warm-facts reports identical: "
          f"{result['_']['identical_reports']})")
    print(f"  {'mode':<12} {'wall s':>8} {'x bare':>7} {'target':>7} {'cpu s':>8} {'x bare':>7} "
          f"{'peak RSS':>9} {'x bare':>7}")
    for mode in MODES:
        row = result[mode]
        target = TARGETS.get(mode)
        flag = "" if target is None else ("  ok" if row["ratio"] <= target else "  over")
        print(f"  {mode:<12} {row['seconds']:>8.2f} {row['ratio']:>7.3f} "
              f"{'' if target is None else f'{target:.2f}':>7} {row['cpu_seconds']:>8.2f} {row['cpu_ratio']:>7.3f} "
              f"{row['peak_rss_mb']:>7.1f}MB {row['rss_ratio']:>7.2f}{flag}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000, 5000],
                        help="synthetic repository sizes (files)")
    parser.add_argument("--path", type=Path, action="append", default=[], help="benchmark this folder too")
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode; the median is reported")
    parser.add_argument("--work", type=Path, help="where to generate the synthetic repos (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="also write all figures to this JSON file")
    parser.add_argument("--monorepo", type=int, metavar="N",
                        help="benchmark N, 4N and 16N small projects side by side (the monorepo shape)")
    parser.add_argument("--ignore", action="append", default=[],
                        help="pass --ignore CODE to every scan (to measure without a costly rule)")
    parser.add_argument("--bytecode", choices=("compiled", "as-is"), default="compiled",
                        help="compiled: byte-compile debtscan and allow .pyc files, as an installed copy has "
                             "(default); as-is: the environment as it is (see the module docstring)")
    args = parser.parse_args(argv)
    from bench.synth import generate, generate_monorepo

    work = args.work or Path(tempfile.mkdtemp(prefix="debtscan-bench-"))
    results = {}
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, repeat {args.repeat} (median), "
          f"{prepare_bytecode(args.bytecode)}")
    targets: List[Tuple[str, Path]] = []
    explicit = args.path or args.monorepo
    for size in ([] if explicit and args.sizes == [100, 1000, 5000] else args.sizes):
        root = work / f"synthetic-{size}"
        if not root.exists():
            generate(root, size)
        targets.append((f"synthetic-{size}", root))
    if args.monorepo:
        for factor in (1, 4, 16):
            root = work / f"monorepo-{args.monorepo * factor}"
            if not root.exists():
                generate_monorepo(root, args.monorepo * factor)
            targets.append((f"monorepo-{args.monorepo * factor}", root))
    targets += [(str(p), p.resolve()) for p in args.path]
    for name, root in targets:
        out_dir = work / f"reports-{Path(name).name}"
        out_dir.mkdir(parents=True, exist_ok=True)
        result = run_modes(root, args.repeat, out_dir, [f"--ignore={code}" for code in args.ignore])
        result["_"]["files"] = count_files(root)
        results[name] = result
        print_table(name, result["_"]["files"], result)
    synthetic = {int(n.split("-")[1]): r for n, r in results.items() if n.startswith("synthetic-")}
    if 1000 in synthetic and 5000 in synthetic:
        print("\nscaling 1,000 -> 5,000 files (5.00 is linear; target within 10%):")
        for mode in MODES[:4]:
            ratio = synthetic[5000][mode]["seconds"] / synthetic[1000][mode]["seconds"]
            print(f"  {mode:<12} {ratio:5.2f}x")
            results.setdefault("scaling", {})[mode] = round(ratio, 2)
    mono = {int(n.split("-")[1]): r for n, r in results.items() if n.startswith("monorepo-")}
    if len(mono) == 3:
        small, middle, large = sorted(mono)
        print(f"\nmonorepo growth, {small} -> {middle} -> {large} projects (targets at 4x: time <= 5x, "
              f"peak RSS <= 4x):")
        print(f"  {'mode':<12} {'time 4x':>8} {'time 16x':>9} {'RSS 4x':>7} {'RSS 16x':>8}")
        for mode in MODES[:4]:
            row = {}
            for label, size in (("4x", middle), ("16x", large)):
                row["time " + label] = round(mono[size][mode]["cpu_seconds"] / mono[small][mode]["cpu_seconds"], 2)
                row["rss " + label] = round(mono[size][mode]["peak_rss_mb"] / mono[small][mode]["peak_rss_mb"], 2)
            print(f"  {mode:<12} {row['time 4x']:>7.2f}x {row['time 16x']:>8.2f}x {row['rss 4x']:>6.2f}x "
                  f"{row['rss 16x']:>7.2f}x")
            results.setdefault("monorepo_growth", {})[mode] = row
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
