"""Specification: a stage whose paths come from the command line (argparse, ``sys.argv``) gets the values
the runner that invokes it passes: a shell script, a Makefile recipe, a ``dvc.yaml`` stage's ``cmd``, and a
README code block as the last resort. Each invocation is a variant; literal ``choices`` are followed."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

from debtscan.facts.model import Arity, CliArg
from debtscan.facts.values import Arg, Lit, PathJoin
from debtscan.project.argv import bind, substitute
from debtscan.project.pipeline.runners import RunSource, makefile_steps, parse_invocations, readme_steps, shell_steps
from debtscan.testing import locations, scan_repo, write_repo

CLEAN = """
    import argparse
    import pandas as pd

    parser = argparse.ArgumentParser()
    parser.add_argument("raw")
    parser.add_argument("clean")
    args = parser.parse_args()
    pd.read_csv(args.raw).dropna().to_csv(args.clean)
"""
TRAIN_ARGV = """
    import sys
    import pandas as pd

    frame = pd.read_csv(sys.argv[1])
    frame.describe().to_csv(sys.argv[2])
"""


def _scan(files: Dict[str, str]):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_repo(root, files)
        return scan_repo(root)


def _accesses(project, module: str) -> Set[Tuple[str, str]]:
    return {(a.mode.value, a.artifact) for a in project.accesses if a.module == module}


def _ds201(report) -> List[Tuple[str, int]]:
    return sorted((f.path, f.line) for f in report.findings if f.code == "DS201")


def test_a_shell_runner_gives_positionals_and_sys_argv_their_values():
    report, project = _scan({
        "run.sh": "DATA=data\npython prepare.py $DATA/raw.csv work/clean.csv\npython stats.py work/clean.csv out/stats.csv\n",
        "prepare.py": CLEAN,
        "stats.py": TRAIN_ARGV,
    })
    assert _accesses(project, "prepare.py") == {("read", "data/raw.csv"), ("write", "work/clean.csv")}
    assert _accesses(project, "stats.py") == {("read", "work/clean.csv"), ("write", "out/stats.csv")}
    assert _ds201(report) == [("prepare.py", 8), ("stats.py", 4)]


def test_without_a_runner_the_values_stay_unknown_and_nothing_is_matched():
    report, project = _scan({"prepare.py": CLEAN, "stats.py": TRAIN_ARGV})
    assert not _ds201(report)


def test_a_script_run_twice_gives_two_sets_of_paths_not_their_cross_product():
    split = """
        import argparse, os
        import pandas as pd

        def main():
            parser = argparse.ArgumentParser()
            parser.add_argument("--out-dir", default="work")
            parser.add_argument("--name", required=True)
            args = parser.parse_args()
            pd.read_csv("clean.csv").to_csv(os.path.join(args.out_dir, args.name + ".csv"))

        if __name__ == "__main__":
            main()
    """
    _, project = _scan({
        "run.sh": "python split.py --out-dir a --name train\npython split.py --name=valid --out-dir b\n",
        "split.py": split,
    })
    assert {p for mode, p in _accesses(project, "split.py") if mode == "write"} == {"a/train.csv", "b/valid.csv"}


def test_a_makefile_recipe_with_a_make_variable_and_a_short_option():
    featurize = """
        import argparse
        import pandas as pd

        parser = argparse.ArgumentParser()
        parser.add_argument("--input", "-i")
        parser.add_argument("--output", "-o", default="features/default.parquet")
        args = parser.parse_args()
        pd.read_csv(args.input).to_parquet(args.output)
    """
    fit = """
        import pandas as pd
        import sys
        features = pd.read_parquet(sys.argv[1])
    """
    report, project = _scan({
        "Makefile": "FEAT := features\n\nfeatures:\n\tpython featurize.py -i raw.csv --output $(FEAT)/x.parquet\n"
                    "fit:\n\tpython fit.py $(FEAT)/x.parquet\n",
        "featurize.py": featurize,
        "fit.py": fit,
    })
    assert _accesses(project, "featurize.py") == {("read", "raw.csv"), ("write", "features/x.parquet")}
    assert _ds201(report) == [("featurize.py", 8), ("fit.py", 3)]


def test_dvc_stage_commands_make_the_hand_off_declared_and_its_outputs_no_orphans():
    prepare = """
        import os, sys
        import yaml
        seed = yaml.safe_load(open("params.yaml"))["prepare"]["seed"]
        out = sys.argv[2]
        os.makedirs(out, exist_ok=True)
        with open(sys.argv[1]) as src, open(os.path.join(out, "train.tsv"), "w") as dst:
            dst.write(src.read())
    """
    featurize = """
        import os, sys
        import pandas as pd
        frame = pd.read_csv(os.path.join(sys.argv[1], "train.tsv"), sep="\\t")
        frame.to_pickle(os.path.join(sys.argv[2], "train.pkl"))
    """
    dvc = """
        stages:
          prepare:
            cmd: python src/prepare.py data/data.xml data/prepared
            deps: [data/data.xml, src/prepare.py]
            params: [prepare.seed]
            outs: [data/prepared]
          featurize:
            cmd: python src/featurize.py data/prepared data/features
            deps: [data/prepared, src/featurize.py]
            outs: [data/features]
    """
    report, project = _scan({"dvc.yaml": dvc, "src/prepare.py": prepare, "src/featurize.py": featurize,
                             "src/requirements.txt": "pandas\n"})
    assert ("write", "data/prepared/train.tsv") in _accesses(project, "src/prepare.py")
    assert ("read", "data/prepared/train.tsv") in _accesses(project, "src/featurize.py")
    pipeline = report.metrics["pipeline"]
    assert pipeline["declared_handoffs"] == 1 and pipeline["handoffs"] == 0
    # what the pipeline tool declares is no orphan: the tracked input, the parameters file, the outputs
    assert pipeline["orphans"]["read_never_written"] == 0 and pipeline["orphans"]["written_never_read"] == 0
    assert not _ds201(report)


def test_a_readme_command_is_the_last_resort_and_its_match_is_a_pattern():
    report, project = _scan({
        "README.md": "Build it:\n\n```bash\npython -m pipeline.extract {PATH TO RAW CSVs} out/root/\n"
                     "python -m pipeline.build out/root/ out/final/\n```\n",
        "pipeline/__init__.py": "",
        "pipeline/extract.py": CLEAN.replace("pd.read_csv(args.raw).dropna().to_csv(args.clean)",
                                             "pd.read_csv(args.raw + '/A.csv').to_csv(args.clean + 'a.csv')"),
        "pipeline/build.py": CLEAN.replace("pd.read_csv(args.raw).dropna().to_csv(args.clean)",
                                           "pd.read_csv(args.raw + 'a.csv').to_csv(args.clean + 'b.csv')"),
    })
    assert ("write", "out/root/a.csv") in _accesses(project, "pipeline/extract.py")
    read = [f for f in report.findings if f.code == "DS201" and f.path == "pipeline/build.py"]
    assert [(f.line, "pattern match" in f.message) for f in read] == [(8, True)]


def test_a_readme_command_does_not_override_a_runner():
    _, project = _scan({
        "run.sh": "python prepare.py data/a.csv work/a.csv\n",
        "README.md": "```\npython prepare.py data/b.csv work/b.csv\n```\n",
        "prepare.py": CLEAN,
    })
    assert _accesses(project, "prepare.py") == {("read", "data/a.csv"), ("write", "work/a.csv")}


def test_a_path_only_a_readme_gives_is_no_unstable_dependency():
    report, project = _scan({
        "README.md": "```\npython plot.py 600_001\n```\n",
        "plot.py": "import sys\nimport pandas as pd\npd.read_csv(f'importance/{sys.argv[1]}.csv').plot()\n",
    })
    assert [(a.artifact, a.certain) for a in project.accesses] == [("importance/600_001.csv", False)]
    assert not locations(report.findings, "DS406")


def test_every_choice_of_an_argument_is_followed_like_a_dataset_switch():
    inspect = """
        import argparse
        import pandas as pd

        parser = argparse.ArgumentParser()
        parser.add_argument("--split", choices=["train", "valid"], default="train")
        args = parser.parse_args()
        print(len(pd.read_csv(f"work/{args.split}.csv")))
    """
    writer = """
        import pandas as pd
        frame = pd.read_csv("raw.csv")
        frame.head(10).to_csv("work/train.csv")
        frame.tail(10).to_csv("work/valid.csv")
    """
    report, project = _scan({"inspect.py": inspect, "split.py": writer})
    assert _accesses(project, "inspect.py") == {("read", "work/train.csv"), ("read", "work/valid.csv")}
    assert ("inspect.py", 7) in _ds201(report)


def test_a_runner_value_replaces_the_choices():
    inspect = """
        import argparse
        import pandas as pd

        parser = argparse.ArgumentParser()
        parser.add_argument("--split", choices=["train", "valid"], default="train")
        args = parser.parse_args()
        print(len(pd.read_csv(f"work/{args.split}.csv")))
    """
    _, project = _scan({"inspect.py": inspect, "run.sh": "python inspect.py --split valid\n"})
    assert _accesses(project, "inspect.py") == {("read", "work/valid.csv")}


def test_a_folder_moved_with_shutil_takes_everything_below_it():
    extract = """
        import os
        import pandas as pd
        for subject in range(3):
            pd.DataFrame().to_csv(os.path.join("data/root", str(subject), "stays.csv"))
    """
    split = """
        import os, shutil
        for patient in os.listdir("data/root"):
            shutil.move(os.path.join("data/root", patient), os.path.join("data/root/train", patient))
    """
    task = """
        import os
        import pandas as pd
        for patient in os.listdir("data/root/train"):
            pd.read_csv(os.path.join("data/root/train", patient, "stays.csv"))
    """
    report, project = _scan({"extract.py": extract, "split.py": split, "task.py": task})
    assert _accesses(project, "split.py") == {("read", "data/root/*/**"), ("write", "data/root/train/*/**")}
    assert ("task.py", 4) in _ds201(report) and ("split.py", 3) in _ds201(report)


# -- binding words to declared arguments, as argparse does ----------------------------------------------

def _cli() -> List[CliArg]:
    return [
        CliArg("src", (), 0, 1),
        CliArg("files", (), 1, 2, arity=Arity.MANY),
        CliArg("dest", (), 2, 3),
        CliArg("out", ("--out", "-o"), -1, 4),
        CliArg("verbose", ("--verbose", "-v"), -1, 5, arity=Arity.NONE),
        CliArg("tables", ("--tables",), -1, 6, arity=Arity.MANY),
    ]


@pytest.mark.parametrize("argv, expected", [
    (("a", "b", "c", "d"), {"src": ("a",), "files": ("b", "c"), "dest": ("d",)}),
    (("-v", "a", "--out=x.csv", "b", "d"), {"src": ("a",), "files": ("b",), "dest": ("d",), "out": ("x.csv",)}),
    (("a", "d", "-ox.csv", "--tables", "t1", "t2", "--unknown", "u"),
     {"src": ("a",), "files": (), "dest": ("d",), "out": ("x.csv",), "tables": ("t1", "t2")}),
    (("a", None, "d"), {"src": ("a",), "files": (None,), "dest": ("d",)}),
])
def test_words_bind_to_options_flags_and_positionals_in_order(argv, expected):
    values = bind(_cli(), argv)
    assert {dest: words for dest, words in values.named if words or dest in expected} == expected


def test_an_unknown_word_stays_unknown_and_an_option_not_given_keeps_its_default():
    cli = {"out": CliArg("out", ("--out",), -1, 1, default=Lit("out/default.csv")),
           "data": CliArg("data", (), 0, 2)}
    value = PathJoin((Arg("data"), Arg("out", 0, Lit("out/default.csv"))))
    assert substitute(value, bind(list(cli.values()), (None,)), cli) == PathJoin(
        (substitute(Arg("data"), None, cli), Lit("out/default.csv")))


# -- what runners say: words after the script ------------------------------------------------------------

KNOWN = {"a/x.py": "a/x.py", "m/s.py": "m/s.py", "module:m.s": "m/s.py"}


def test_command_words_drop_redirections_and_expand_variables():
    steps, _ = parse_invocations("python -um m.s {PATH TO CSVs} data/root/ --out $D > log.txt 2>&1", "", KNOWN,
                                 "", {"D": "data/d"})
    assert steps == [("m/s.py", "", (None, "data/root/", "--out", "data/d"))]


def test_runners_record_the_words_they_pass():
    assert [s.argv for s in shell_steps("D=data\npython a/x.py $D/in.csv ${D}/o $UNSET\n", "run.sh", KNOWN)] == \
        [("data/in.csv", "data/o", None)]
    assert [s.argv for s in makefile_steps("D := data\nall:\n\tpython a/x.py $(D)/in.csv\n", "Makefile", KNOWN)] \
        == [("data/in.csv",)]
    readme = "Intro\n\n```python\npython a/x.py not-a-command\n```\n\n```bash\n$ cd a && python x.py q\n```\n"
    assert [(s.script, s.argv, s.source) for s in readme_steps(readme, "README.md", KNOWN)] == \
        [("a/x.py", ("q",), RunSource.README)]


def test_a_runner_in_a_folder_of_abandoned_work_gives_no_values():
    _, project = _scan({
        "run.sh": "python prepare.py data/a.csv work/a.csv\n",
        "sh/deprecated/run_old.sh": "python prepare.py data/old.csv work/old.csv\n",
        "prepare.py": CLEAN,
    })
    assert _accesses(project, "prepare.py") == {("read", "data/a.csv"), ("write", "work/a.csv")}
