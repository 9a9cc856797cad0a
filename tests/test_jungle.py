"""Pipeline-jungle rules (DS2xx) on small ML repos: what is reported, where, and what is not."""
import json
import tempfile
from pathlib import Path

from debtscan.project.export import to_dot, to_mermaid
from debtscan.report.json_format import schema
from debtscan.testing import locations, scan_repo, write_repo


def scan(files, config=None, select=("DS2",)):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_repo(root, files)
        report, project = scan_repo(root, config, select=list(select))
        return report, project


def found(files, code, config=None):
    report, _ = scan(files, config, select=[code])
    return locations(report.findings, code)


CHAIN = {
    "01_clean.py": "import pandas as pd\npd.read_csv('input/raw.csv').dropna().to_csv('data/a.csv')\n",
    "02_join.py": "import pandas as pd\npd.read_csv('data/a.csv').to_csv('data/b.csv')\n",
    "03_feats.py": "import pandas as pd\npd.read_csv('data/b.csv').to_pickle('data/c.pkl')\n",
    "04_train.py": "import pandas as pd\nX = pd.read_pickle('data/c.pkl')\n",
}


def test_a_chain_of_three_handoffs_is_one_finding_listing_the_chain_in_order():
    report, _ = scan(CHAIN, select=["DS202"])
    (finding,) = report.findings
    assert (finding.path, finding.line) == ("01_clean.py", 2)
    assert finding.message.index("01_clean.py") < finding.message.index("`data/a.csv`") < \
        finding.message.index("02_join.py") < finding.message.index("03_feats.py") < finding.message.index("04_train.py")
    assert "3 intermediate-file hand-offs across 4 modules" in finding.message
    assert [(r.path, r.line) for r in finding.related][:2] == [("01_clean.py", 2), ("02_join.py", 2)]


def test_chain_threshold_is_an_option():
    short = {k: v for k, v in CHAIN.items() if k != "04_train.py"}
    assert found(short, "DS202") == []
    assert found(short, "DS202", {"rules": {"DS202": {"min-handoffs": 2}}}) == [("01_clean.py", 2)]


def test_the_runner_order_is_named_and_a_reader_run_before_its_writer_is_reported():
    files = dict(CHAIN)
    files["run.sh"] = "python 01_clean.py\npython 02_join.py\npython 04_train.py\npython 03_feats.py\n"
    report, project = scan(files)
    chain = next(f for f in report.findings if f.code == "DS202")
    assert "run in this order by run.sh" in chain.message
    assert locations(report.findings, "DS208") == [("04_train.py", 2)]
    edges = sorted((d["order"], v) for u, v, d in project.graph.edges(data=True) if d["kind"] == "runs")
    assert edges == [(0, "module:01_clean.py"), (1, "module:02_join.py"), (2, "module:04_train.py"),
                     (3, "module:03_feats.py")]
    assert project.graph.nodes["module:03_feats.py"]["run_order"] == 3


def test_makefile_recipes_and_os_system_calls_are_runners_too():
    make = dict(CHAIN, Makefile="all:\n\tcd . && python 04_train.py\n\tpython 03_feats.py\n")
    assert found(make, "DS208") == [("04_train.py", 2)]
    runner = dict(CHAIN, **{"run_all.py": "import os, subprocess\nsubprocess.run(['python', '04_train.py'])\n"
                                          "os.system('python 03_feats.py')\n"})
    assert found(runner, "DS208") == [("04_train.py", 2)]


def test_every_writer_of_a_shared_intermediate_file_is_reported():
    files = {
        "clean_v1.py": "import pandas as pd\npd.read_csv('input/x.csv').to_csv('data/clean.csv')\n",
        "clean_v2.py": "import pandas as pd\n\ndef run():\n    pd.read_csv('input/x.csv').to_csv('data/clean.csv')\n",
        "train.py": "import pandas as pd\ndf = pd.read_csv('data/clean.csv')\n",
        "report.py": "import pandas as pd\npd.DataFrame().to_csv('output/final.csv')\n",
        "report2.py": "import pandas as pd\npd.DataFrame().to_csv('output/final.csv')\n",
    }
    assert found(files, "DS203") == [("clean_v1.py", 2), ("clean_v2.py", 4)]  # final outputs are not flagged


def test_joins_of_intermediates_and_samples_written_for_later_steps():
    files = {
        "a.py": "import pandas as pd\npd.read_csv('input/x.csv').to_csv('data/a.csv')\n",
        "b.py": "import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
                "df = pd.read_csv('input/y.csv')\ntrn, tst = train_test_split(df)\n"
                "trn.to_csv('data/b.csv')\ntst.to_csv('output/holdout.csv')\n",
        "c.py": "import pandas as pd\n\ndef build():\n    left = pd.read_csv('data/a.csv')\n"
                "    right = pd.read_csv('data/b.csv')\n    return pd.concat([left, right])\n",
    }
    assert found(files, "DS204") == [("b.py", 5), ("c.py", 6)]


def test_hard_coded_paths_are_reported_once_where_they_are_written_down():
    files = {
        "config.py": "DATA = '/home/alice/churn/data'\n",
        "a.py": "import pandas as pd\nfrom config import DATA\npd.read_csv(DATA + '/a.csv')\n",
        "b.py": "import pandas as pd\nimport config\npd.read_csv(config.DATA + '/b.csv')\n"
                "pd.read_csv('C:\\\\Users\\\\bob\\\\x.csv')\npd.read_csv('/tmp/scratch.csv')\n"
                "pd.read_csv('/kaggle/input/train.csv')\n",
    }
    report, _ = scan(files, select=["DS205"])
    assert locations(report.findings, "DS205") == [("b.py", 4), ("config.py", 1)]
    at_config = next(f for f in report.findings if f.path == "config.py")
    assert "user-specific" in at_config.message and {(r.path, r.line) for r in at_config.related} == {
        ("a.py", 3), ("b.py", 3)}


def test_modules_feeding_each_other_through_files_form_a_cycle():
    files = {
        "label.py": "import pandas as pd\np = pd.read_csv('data/preds.csv')\np.to_csv('data/labels.csv')\n",
        "train.py": "import pandas as pd\nl = pd.read_csv('data/labels.csv')\nl.to_csv('data/preds.csv')\n",
        "other.py": "import pandas as pd\nl = pd.read_csv('data/labels.csv')\n",
    }
    report, _ = scan(files, select=["DS206"])
    (finding,) = report.findings
    assert (finding.path, finding.line) == ("label.py", 3)
    assert "label.py -> `data/labels.csv` -> train.py -> `data/preds.csv` -> label.py" in finding.message


def test_reads_of_files_nothing_produces_outside_raw_folders_are_info():
    files = {
        "a.py": "import pandas as pd\npd.read_csv('data/external/extra.csv')\npd.read_csv('input/train.csv')\n"
                "pd.read_csv('data/raw/x.csv')\npd.read_csv('resources/stopwords.csv')\n"
                "import joblib\njoblib.load('pretrained/encoder.joblib')\n",
        "resources/stopwords.csv": "a\n",
    }
    report, _ = scan(files, select=["DS406"])
    assert locations(report.findings, "DS406") == [("a.py", 2)]
    assert report.findings[0].severity == "info"
    assert found(files, "DS406", {"raw-data-dirs": ["input", "data/raw", "data/external"]}) == []


def test_declared_dvc_and_kedro_artifacts_are_managed_not_jungle():
    files = dict(CHAIN)
    files["dvc.yaml"] = ("stages:\n  clean:\n    cmd: python 01_clean.py\n    outs:\n      - data/a.csv\n"
                         "  join:\n    cmd: python 02_join.py\n    deps:\n      - data/a.csv\n    outs:\n"
                         "      - data/b.csv\n")
    files["conf/base/catalog.yml"] = "features:\n  type: pickle.PickleDataset\n  filepath: data/c.pkl\n"
    report, project = scan(files)
    assert report.findings == []
    assert project.graph.nodes["artifact:data/a.csv"]["declared"] is True
    assert project.graph.nodes["artifact:data/c.pkl"]["declared_in"] == "conf/base/catalog.yml"
    assert len(project.pipeline.declared_handoffs) == 3 and project.handoffs == []
    assert report.metrics["pipeline"]["declared_artifacts"] == 3
    assert report.metrics["pipeline"]["declared_paths"] == ["data/a.csv", "data/b.csv", "data/c.pkl"]


def test_saved_models_loaded_for_inference_are_no_handoff_but_predictions_are_model_outputs():
    files = {
        "train.py": "import joblib, numpy as np, pandas as pd\nX = pd.read_csv('input/train.csv')\n"
                    "clf = fit(X)\njoblib.dump(clf, 'artifacts/clf.pkl')\n"
                    "oof = np.zeros(len(X))\noof[:] = clf.predict_proba(X)[:, 1]\nnp.save('work/oof.npy', oof)\n",
        "serve.py": "import joblib\nclf = joblib.load('artifacts/clf.pkl')\n",
        "stack.py": "import numpy as np\nfirst = np.load('work/oof.npy')\n",
    }
    report, project = scan(files)
    assert [(w.artifact, r.module) for w, r in project.handoffs] == [("work/oof.npy", "stack.py")]
    assert project.graph.nodes["artifact:work/oof.npy"]["model_output"] is True
    assert project.graph.nodes["artifact:artifacts/clf.pkl"]["model_artifact"] is True
    writes = [io for io in project.facts["train.py"].io if io.mode == "write"]
    assert [(io.value) for io in writes] == ["model", "prediction"]


def test_pipeline_metrics_describe_the_jungle_and_validate_against_the_schema():
    import jsonschema

    files = dict(CHAIN, **{"05_report.py": "import pandas as pd\npd.read_csv('data/missing.csv')\n"
                                          "pd.DataFrame().to_csv(f'reports/{name}.csv')\n"})
    report, _ = scan(files)
    pipeline = report.metrics["pipeline"]
    assert pipeline["longest_chain"] == {"length": 3, "members": ["01_clean.py", "02_join.py", "03_feats.py",
                                                                  "04_train.py"]}
    assert (pipeline["artifacts"], pipeline["intermediate_artifacts"], pipeline["handoffs"]) == (6, 3, 3)
    assert (pipeline["paths_exact"], pipeline["paths_pattern"], pipeline["paths_unresolved"]) == (8, 1, 0)
    assert pipeline["orphans"]["read_never_written_paths"] == ["data/missing.csv"]
    assert pipeline["orphans"]["written_never_read_paths"] == ["reports/*.csv"]
    jsonschema.validate(json.loads(json.dumps(pipeline)), schema()["properties"]["metrics"]["properties"]["pipeline"])


def test_graph_exports_highlight_the_chain():
    _, project = scan(CHAIN)
    mermaid = to_mermaid(project)
    assert "classDef chain" in mermaid and "classDef jungle" in mermaid
    chain_line = next(line for line in mermaid.splitlines() if line.strip().startswith("class ") and "chain" in line)
    assert len(chain_line.split()[1].split(",")) == 7  # 4 modules and 3 artifacts
    assert to_dot(project).count("penwidth=2.5") == 7


def test_the_fixture_feature_store_reproduces_the_kaggle_patterns():
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "feature-store"
    report, project = scan_repo(fixture, select=["DS2"])
    assert project.paths.script_folders == {"py", "py_prev"}
    assert {"py/LOG/imp_801_imp_lgb.py.csv", "py_prev/LOG/imp.csv"} <= set(project.paths.writers)
    assert {a.via for a in project.paths.accesses if a.via} == {"utils.to_pickles", "utils.read_pickles",
                                                            "utils.load_train", "utils.to_feature"}
    assert locations(report.findings, "DS208") == [("py/802_lgb_selected.py", 9)]
    assert report.metrics["pipeline"]["longest_chain"]["length"] == 4


def test_guesses_do_not_make_handoffs():
    files = {
        # the unknown output folder of a converter and the unknown input folder of another script
        "scripts/convert.py": "import json, argparse\np = argparse.ArgumentParser()\nargs = p.parse_args()\n"
                              "with open(f'{args.dump_path}/config.json', 'w') as f:\n    json.dump({}, f)\n",
        "scripts/rename.py": "import json, os\nwith open(os.path.join(args.repo_path, 'config.json')) as f:\n"
                             "    cfg = json.load(f)\n",
        # two example scripts listing their own default output folder for checkpoints
        "examples/a/train.py": "import os, json\nOUT = 'model-out'\nfor s in steps:\n"
                               "    json.dump({}, open(os.path.join(OUT, f'{s}_cfg.json'), 'w'))\n",
        "examples/b/train.py": "import os\ndirs = os.listdir('model-out')\n",
        # code generators and model cards are not data
        "utils/gen.py": "from pathlib import Path\nPath('src/pkg/generated.py').write_text('x = 1')\n"
                        "Path('README.md').write_text('# card')\n",
        "utils/check.py": "from pathlib import Path\nsrc = Path('src/pkg/generated.py').read_text()\n"
                          "card = Path('README.md').read_text()\n",
    }
    report, project = scan(files)
    assert report.findings == [] and project.handoffs == []


def test_makefile_targets_are_independent_runners():
    files = dict(CHAIN, Makefile="train:\n\tpython 04_train.py\n\nfeatures:\n\tpython 03_feats.py\n")
    assert found(files, "DS208") == []
