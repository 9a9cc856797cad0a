"""Atomic writes (issue 23): the target holds the old or the new contents, never a mix; a failure names the
file; only debtscan's own temporaries of dead runs are ever cleaned up."""
import os
import stat

import pytest

from debtscan import safefile
from debtscan.safefile import OutputRefused, WriteError, check_not_scanned, check_output, write_text


def _dead_pid():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def test_a_write_replaces_the_file_keeping_its_permissions_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old\n", encoding="utf-8")
    os.chmod(target, 0o640)
    write_text(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert os.listdir(tmp_path) == ["report.json"]


def test_a_failed_write_keeps_the_old_file_and_names_it(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_text("old\n", encoding="utf-8")

    def no_space(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safefile.os, "fsync", no_space)
    with pytest.raises(WriteError, match=r"cannot write .*report\.json: No space left on device"):
        write_text(target, "new\n")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert os.listdir(tmp_path) == ["report.json"]


def test_only_temporaries_of_dead_runs_are_removed(tmp_path):
    dead, alive = _dead_pid(), os.getpid()
    names = [f".report.json.{dead}.abc123.tmp", f".report.json.{alive}.def456.tmp",
             ".report.json.notes.tmp", "report.json.1.x.tmp", ".other.json.1.abc.tmp"]
    for name in names:
        (tmp_path / name).write_text("x", encoding="utf-8")
    write_text(tmp_path / "report.json", "{}\n")
    assert sorted(os.listdir(tmp_path)) == sorted(["report.json"] + names[1:])


def test_outputs_that_would_destroy_the_users_files_are_refused(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "model.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "base.json").write_text("{}", encoding="utf-8")
    with pytest.raises(OutputRefused, match="does not exist"):
        check_output(tmp_path / "nowhere" / "r.json")
    with pytest.raises(OutputRefused, match="is a folder"):
        check_output(tmp_path / "src")
    with pytest.raises(OutputRefused, match="also an input"):
        check_output(tmp_path / "base.json", inputs=[tmp_path / "base.json"])
    with pytest.raises(OutputRefused, match="overwrite that source file"):
        check_output(tmp_path / "src" / "model.py", scanned=[tmp_path])
    with pytest.raises(OutputRefused, match="--force"):
        check_output(tmp_path / "src" / "new.ipynb", scanned=[tmp_path / "src"])
    assert check_output(tmp_path / "src" / "new.py", scanned=[tmp_path], force=True) == tmp_path / "src" / "new.py"
    assert check_output(tmp_path / "new.py", scanned=[tmp_path / "src"]) == tmp_path / "new.py"
    with pytest.raises(OutputRefused, match="not even with --force"):
        check_not_scanned(tmp_path / "src" / "model.py", tmp_path, ["src/model.py"])
    check_not_scanned(tmp_path / "src" / "new.py", tmp_path, ["src/model.py"])


def test_a_stream_target_is_written_not_replaced():
    write_text(os.devnull, "a report nobody keeps\n")  # -o /dev/null, -o /dev/stdout: never renamed over
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_a_symlinked_report_stays_a_symlink(tmp_path):
    (tmp_path / "reports").mkdir()
    real = tmp_path / "reports" / "latest.json"
    real.write_text("old\n", encoding="utf-8")
    (tmp_path / "report.json").symlink_to(real)
    write_text(tmp_path / "report.json", "new\n")
    assert (tmp_path / "report.json").is_symlink() and real.read_text(encoding="utf-8") == "new\n"
