"""Which files ML code reads and writes: the I/O catalogue, handles, and path resolution across files."""
import tempfile
from pathlib import Path

import pytest

from debtscan.store.codec import dumps, loads
from debtscan.testing import scan_repo, write_repo


def project_of(files, config=None):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_repo(root, files)
        _, project = scan_repo(root, config)
        return project


def accesses(files, config=None):
    """{(mode, artifact)} of every resolved access."""
    return {(a.mode, a.artifact) for a in project_of(files, config).accesses}


def located(files, config=None):
    return {(a.mode, a.artifact, a.module, a.line) for a in project_of(files, config).accesses}


# -- the catalogue ----------------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ("import pandas as pd\ndf = pd.read_csv('a.csv')\ndf.to_parquet('b.parquet')\n",
     {("read", "a.csv"), ("write", "b.parquet")}),
    ("import numpy as np\nx = np.load('x.npy')\nnp.savez_compressed('y.npz', a=x)\nnp.savetxt('z.txt', x)\n",
     {("read", "x.npy"), ("write", "y.npz"), ("write", "z.txt")}),
    ("import joblib, dill\nm = joblib.load('m.joblib')\ndill.dump(m, open('m.dill', 'wb'))\n",
     {("read", "m.joblib"), ("write", "m.dill")}),
    ("import torch\nstate = torch.load('ckpt/last.pt')\ntorch.save(state, 'ckpt/best.pt')\n",
     {("read", "ckpt/last.pt"), ("write", "ckpt/best.pt")}),
    ("from tensorflow import keras\nm = keras.models.load_model('saved/net.keras')\nm.save_weights('saved/w.h5')\n",
     {("read", "saved/net.keras"), ("write", "saved/w.h5")}),
    ("from transformers import AutoModel\nm = AutoModel.from_pretrained('bert-base-uncased')\n"
     "m.save_pretrained('./out/bert')\nAutoModel.from_pretrained('./out/bert')\n",
     {("write", "out/bert"), ("read", "out/bert")}),
    ("import lightgbm as lgb\nb = lgb.Booster(model_file='lgb.txt')\nb.save_model('lgb2.txt')\n",
     {("read", "lgb.txt"), ("write", "lgb2.txt")}),
    ("import h5py\nwith h5py.File('feats.h5', 'w') as f:\n    f.create_dataset('x', data=[1])\nh5py.File('in.h5')\n",
     {("write", "feats.h5"), ("read", "in.h5")}),
    ("import pyarrow.parquet as pq\nt = pq.read_table('a.parquet')\npq.write_table(t, 'b.parquet')\n",
     {("read", "a.parquet"), ("write", "b.parquet")}),
    ("import polars as pl\ndf = pl.scan_csv('a.csv').collect()\ndf.write_parquet('b.parquet')\n",
     {("read", "a.csv"), ("write", "b.parquet")}),
    ("import shutil\nshutil.copy('a.csv', 'backup/a.csv')\n", {("read", "a.csv"), ("write", "backup/a.csv")}),
    ("import glob, os\nimport pandas as pd\nfiles = glob.glob('data/parts/*.csv')\nnames = os.listdir('data/images')\n"
     "parts = [pd.read_csv(f) for f in files]\n",
     {("read", "data/parts/*.csv")}),
    ("from PIL import Image\nimport cv2\nimg = Image.open('img/a.png')\ncv2.imwrite('img/b.png', cv2.imread('img/c.png'))\n",
     {("read", "img/a.png"), ("write", "img/b.png"), ("read", "img/c.png")}),
    ("from datasets import load_from_disk\nds = load_from_disk('data/ds')\nds.save_to_disk('data/ds2')\n",
     {("read", "data/ds"), ("write", "data/ds2")}),
    ("from pathlib import Path\nPath('notes.txt').write_text('x')\ntext = Path('in.txt').read_text()\n"
     "with Path('out.bin').open('wb') as h:\n    h.write(b'')\n",
     {("write", "notes.txt"), ("read", "in.txt"), ("write", "out.bin")}),
])
def test_catalogue_knows_the_common_readers_and_writers(source, expected):
    assert accesses({"a.py": source}) == expected


def test_a_pickle_dumped_through_a_handle_is_one_write_of_the_opened_path_in_pickle_format():
    project = project_of({"a.py": "import pickle\nwith open('data/x.pkl', 'wb') as f:\n    pickle.dump({}, f)\n"
                                  "with open('data/meta.json') as g:\n    import json\n    meta = json.load(g)\n"})
    found = {(a.mode, a.artifact, a.fmt, a.line) for a in project.paths.accesses}
    assert found == {("write", "data/x.pkl", "pickle", 2), ("read", "data/meta.json", "json", 4)}


def test_json_yaml_and_csv_only_count_through_file_handles():
    source = ("import json, yaml, csv, io\njson.loads('{}')\nyaml.safe_load(io.StringIO('a: 1'))\n"
              "with open('out.csv', 'w') as f:\n    csv.writer(f).writerow([1])\n"
              "cfg = yaml.safe_load(open('conf/params.yaml'))\n")
    project = project_of({"a.py": source})
    assert {(a.mode, a.artifact, a.fmt) for a in project.paths.accesses} == {
        ("write", "out.csv", "csv"), ("read", "conf/params.yaml", "yaml")}


def test_user_io_helpers_from_config_name_the_path_argument():
    files = {
        "myproj/__init__.py": "",
        "myproj/utils.py": "def save_frame(frame, where):\n    pass\n",
        "run.py": "from myproj.utils import save_frame\nsave_frame(df, 'data/interim/x.parquet')\n",
        "use.py": "import pandas as pd\ndf = pd.read_parquet('data/interim/x.parquet')\n",
    }
    config = {"io": {"myproj.utils.save_frame": {"mode": "write", "arg": 1, "format": "parquet"}}}
    project = project_of(files, config)
    assert ("write", "data/interim/x.parquet", "run.py", 2) in {(a.mode, a.artifact, a.module, a.line)
                                                                  for a in project.paths.accesses}
    assert [(w.module, r.module) for w, r in project.handoffs] == [("run.py", "use.py")]
    assert accesses(files) == {("read", "data/interim/x.parquet")}  # without the entry, no write is known


# -- path resolution --------------------------------------------------------------------------------

def test_constants_imported_from_a_config_module_resolve_in_every_spelling():
    files = {
        "config.py": "import os\nDATA = 'data'\nINTERIM = os.path.join(DATA, 'interim')\nOUT = INTERIM + '/out.csv'\n",
        "a.py": "import pandas as pd\nfrom config import INTERIM\npd.read_csv(f'{INTERIM}/a.csv')\n",
        "b.py": "import pandas as pd\nimport config as C\npd.read_csv(C.OUT)\n",
        "c.py": "import pandas as pd\nimport config\npd.read_csv('%s/c.csv' % config.DATA)\n"
                "pd.read_csv('{}/{name}.csv'.format(config.DATA, name='d'))\n",
    }
    assert accesses(files) == {("read", "data/interim/a.csv"), ("read", "data/interim/out.csv"),
                               ("read", "data/c.csv"), ("read", "data/d.csv")}


def test_pathlib_and_file_anchored_paths_resolve_from_the_file_folder():
    files = {
        "src/pkg/__init__.py": "",
        "src/pkg/paths.py": "from pathlib import Path\nROOT = Path(__file__).resolve().parent.parent.parent\n"
                            "DATA = ROOT / 'data'\n",
        "src/pkg/step.py": "import os\nimport pandas as pd\nfrom pkg.paths import DATA\n"
                           "HERE = os.path.dirname(os.path.abspath(__file__))\n"
                           "pd.read_csv(DATA / 'raw' / 'a.csv')\n"
                           "pd.read_csv(DATA.joinpath('b.csv').with_suffix('.tsv'))\n"
                           "pd.read_csv(os.path.join(HERE, 'local.csv'))\n"
                           "pd.read_csv((DATA / 'c.csv').with_name('d.csv'))\n",
    }
    project = project_of(files)
    assert {(a.artifact, a.base) for a in project.paths.accesses} == {
        ("data/raw/a.csv", "file"), ("data/b.tsv", "file"), ("src/pkg/local.csv", "file"), ("data/d.csv", "file")}


def test_unknown_parts_become_patterns_that_match_concrete_files():
    files = {
        "folds.py": "import pandas as pd\nDATA = 'data'\nfor i in range(n_folds):\n"
                    "    df.to_pickle(f'{DATA}/fold_{i}.pkl')\n",
        "train.py": "import pandas as pd\ndf = pd.read_pickle('data/fold_3.pkl')\n",
    }
    project = project_of(files)
    write = next(a for a in project.paths.accesses if a.mode == "write")
    assert (write.artifact, write.exact) == ("data/fold_*.pkl", False)
    assert project.graph.nodes["artifact:data/fold_*.pkl"]["exact"] is False
    assert [(w.artifact, r.artifact) for w, r in project.handoffs] == [("data/fold_*.pkl", "data/fold_3.pkl")]


def test_loops_over_literals_and_calls_with_literal_arguments_give_concrete_paths():
    files = {"feat.py": "import pandas as pd\nWINDOWS = [3, 5]\n"
                        "for T in WINDOWS:\n    df.to_pickle('../feature/X_t{}.p'.format(T))\n"
                        "def make(T):\n    df.to_pickle(f'feature/Y_t{T}.p')\n"
                        "make(7)\nmake(T=9)\n"
                        "for name, size in [('small', 10), ('big', 100)]:\n"
                        "    df.head(size).to_csv('out/%s.csv' % name)\n"
                        "for i in range(2):\n    df.to_csv(f'out/part{i}.csv')\n"}
    assert accesses(files) == {
        ("write", "../feature/X_t3.p"), ("write", "../feature/X_t5.p"), ("write", "feature/Y_t7.p"),
        ("write", "feature/Y_t9.p"), ("write", "out/small.csv"), ("write", "out/big.csv"),
        ("write", "out/part0.csv"), ("write", "out/part1.csv")}


def test_parameter_defaults_argparse_and_click_options_stand_in_for_unknown_values():
    files = {
        "a.py": "import argparse\nimport pandas as pd\np = argparse.ArgumentParser()\n"
                "p.add_argument('--train-path', default='data/train.csv')\nargs = p.parse_args()\n"
                "pd.read_csv(args.train_path)\n",
        "b.py": "import click\nimport pandas as pd\n@click.command()\n@click.option('--out', default='data/b.csv')\n"
                "def main(out):\n    pd.DataFrame().to_csv(out)\n",
        "c.py": "import pandas as pd\ndef load(path='data/c.csv'):\n    return pd.read_csv(path)\n",
    }
    project = project_of(files)
    assert {(a.artifact, a.exact) for a in project.paths.accesses} == {
        ("data/train.csv", True), ("data/b.csv", False), ("data/c.csv", False)}


def test_the_script_name_fills_file_prefixed_log_paths():
    files = {"py/801_imp.py": "imp.to_csv(f'LOG/imp_{__file__}.csv')\n",
             "py/802_use.py": "import pandas as pd\nimp = pd.read_csv('LOG/imp_801_imp.py.csv')\n"
                              "x = pd.read_csv('../input/train.csv')\n"}
    assert accesses(files) >= {("write", "py/LOG/imp_801_imp.py.csv"), ("read", "py/LOG/imp_801_imp.py.csv")}


def test_paths_that_leave_the_repo_from_the_root_are_taken_from_the_script_folder():
    files = {
        "py/000_init.py": "import pandas as pd\npd.read_csv('../input/train.csv').to_pickle('../data/train.p')\n",
        "py/101_feat.py": "import pandas as pd\npd.read_pickle('../data/train.p').to_pickle('../feature/f101.p')\n",
        "a/run.py": "import pandas as pd\npd.read_csv('../input/x.csv').to_csv('LOG/imp.csv')\n",
        "b/run.py": "import pandas as pd\npd.read_csv('../input/y.csv').to_csv('LOG/imp.csv')\n",
    }
    project = project_of(files)
    found = {(a.artifact, a.base) for a in project.paths.accesses}
    assert ("data/train.p", "script") in found and ("feature/f101.p", "script") in found
    assert ("a/LOG/imp.csv", "script") in found and ("b/LOG/imp.csv", "script") in found  # two files
    assert project.graph.nodes["artifact:data/train.p"]["base"] == "script"
    assert [(w.module, r.module) for w, r in project.handoffs] == [("py/000_init.py", "py/101_feat.py")]


def test_a_runner_cd_sets_the_folder_scripts_run_from():
    files = {
        "run.sh": "cd py_feature && python 101_x.py\n",
        "py_feature/101_x.py": "import pandas as pd\ndf.to_pickle('trainT-0/f101_order.p')\n",
    }
    assert accesses(files) == {("write", "py_feature/trainT-0/f101_order.p")}


# -- project helpers ---------------------------------------------------------------------------------

HELPERS = {
    "utils.py": """
        import os
        from glob import glob
        import pandas as pd

        def to_pickles(df, path, split_size=3):
            os.makedirs(path, exist_ok=True)
            for i in range(split_size):
                df.iloc[i::split_size].to_pickle(f"{path}/{i:03d}.p")

        def read_pickles(path, col=None):
            files = sorted(glob(path + "/*"))
            return pd.concat([pd.read_pickle(f) for f in files])

        def load_train():
            return read_pickles("../data/train")
    """,
    "py_helpers.py": """
        import os
        import utils

        def save_table(df, name):
            utils.to_pickles(df, os.path.join("../data", name))
    """,
    "scripts/000_init.py": """
        import pandas as pd
        import utils
        utils.to_pickles(pd.read_csv("../input/train.csv"), "../data/train", 10)
    """,
    "scripts/001_more.py": """
        import py_helpers
        py_helpers.save_table(df, "bureau")
    """,
    "scripts/101_feat.py": """
        import utils
        log = utils.read_pickles("../data/bureau")
        train = utils.load_train()
    """,
}


def test_helpers_whose_parameters_reach_a_path_become_readers_and_writers_at_their_call_sites():
    project = project_of(HELPERS)
    found = {(a.mode, a.artifact, a.module, a.line, a.via) for a in project.paths.accesses if a.via}
    assert found == {
        ("write", "data/train/*.p", "scripts/000_init.py", 3, "utils.to_pickles"),
        ("write", "data/bureau/*.p", "scripts/001_more.py", 2, "py_helpers.save_table"),
        ("read", "data/bureau/*", "scripts/101_feat.py", 2, "utils.read_pickles"),
        ("read", "data/train/*", "scripts/101_feat.py", 3, "utils.load_train"),
    }
    handoffs = sorted({(w.module, r.module, r.line) for w, r in project.handoffs})
    assert handoffs == [("scripts/000_init.py", "scripts/101_feat.py", 3),
                        ("scripts/001_more.py", "scripts/101_feat.py", 2)]
    assert not any(a.module in ("utils.py", "py_helpers.py") for a in project.paths.accesses)
    assert project.pipeline.helper_instances >= 4


def test_facts_with_helper_calls_and_runners_round_trip_through_json():
    from debtscan.engine import knowledge_for
    from debtscan.sources.files import FileTask
    from debtscan.store.work import extract_file
    from debtscan.config import Config

    with tempfile.TemporaryDirectory() as tmp:
        write_repo(Path(tmp), {"a.py": "import os, subprocess, utils\nutils.save(df, f'out/{x}.p', 3)\n"
                                       "os.system('cd py && python 001_a.py')\n"
                                       "subprocess.run(['python', 'b.py'], cwd='sub')\n"})
        facts = extract_file(tmp, FileTask("a.py", "a", False), knowledge_for(Config()), 10**6)
    assert facts.error is None
    assert [c.callee for c in facts.path_calls] == ["utils.save"]
    assert len(facts.runs) == 2 and facts.runs[1].cwd is not None
    assert loads(dumps(facts)) == facts


def test_branches_pool_maps_and_tuple_arguments_of_workers_resolve_to_every_value():
    files = {
        "utils.py": "import pandas as pd\n\ndef read_pickles(path):\n    return pd.read_pickle(path + '/000.p')\n",
        "301_agg.py": """
            import utils
            from multiprocessing import Pool

            def concat(T):
                if T == -1:
                    name = 'test'
                else:
                    name = 'trainT-' + str(T)
                df.to_pickle('feature/{}/all.p'.format(name))

            def aggregate(args):
                path, pref = args
                df = utils.read_pickles(path)
                df.to_pickle(f'feature/{pref}.p')

            argss = [['data/ins', 'ins']]
            argss += [['data/ins_delay', 'insd']]
            Pool(2).map(aggregate, argss)
            Pool(2).map(concat, [0, 1])
        """,
    }
    assert accesses(files) == {
        ("read", "data/ins/000.p"), ("read", "data/ins_delay/000.p"), ("write", "feature/ins.p"),
        ("write", "feature/insd.p"), ("write", "feature/test/all.p"), ("write", "feature/trainT-0/all.p"),
        ("write", "feature/trainT-1/all.p")}


def test_file_lists_built_from_a_column_are_patterns():
    files = {"804_cv.py": "import pandas as pd\nimp = pd.read_csv('LOG/imp.csv')\n"
                          "files = ('../feature/train_' + imp.feature + '.f').tolist()\n"
                          "X = pd.concat([pd.read_feather(f) for f in files], axis=1)\n"}
    assert accesses(files) == {("read", "LOG/imp.csv"), ("read", "../feature/train_*.f")}


def test_web_urls_are_not_artifacts_but_object_store_uris_are():
    files = {"a.py": "import pandas as pd\npd.read_csv('https://example.org/data/train.csv')\n"
                     "pd.read_parquet('s3://bucket/x.parquet')\n"}
    assert accesses(files) == {("read", "s3://bucket/x.parquet")}


def test_functions_that_return_paths_resolve_where_they_are_called():
    files = {
        "config.py": "FEATURES = 'work/features'\n\ndef feature_path(name):\n    return f'{FEATURES}/{name}.pkl'\n"
                     "\ndef train_path():\n    return 'work/train.pkl'\n",
        "a.py": "import pandas as pd\nfrom config import feature_path, train_path\n"
                "pd.read_pickle(train_path()).to_pickle(feature_path('age'))\n",
    }
    # the returned path with the call's argument (the value-flow core instantiates it at the call)
    assert accesses(files) == {("read", "work/train.pkl"), ("write", "work/features/age.pkl")}
