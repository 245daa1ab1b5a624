"""Outputs (`-o`, Save) are written atomically, keep permissions, follow symlinks, stream to FIFOs and
devices, and stale temporary files of a killed writer are cleaned."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sdn_desktop.cli import main
from sdn_desktop.scenario import atomic_output, atomic_write_text, load_scenario, save_scenario
from sdn_desktop.scenario.files import STALE_AFTER_S, remove_stale_temporaries

IRIDIUM = Path(__file__).resolve().parent.parent / "scenarios" / "iridium_next_real_tle.json"
ROOT = Path(__file__).resolve().parent.parent


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def write_in_child(target: Path, umask: int) -> None:
    """``atomic_write_text`` in a new process started with ``umask``."""
    code = (
        "import sys; from sdn_desktop.scenario import atomic_write_text; atomic_write_text(sys.argv[1], 'a')"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-c", code, str(target)], env=env, check=True, preexec_fn=lambda: os.umask(umask)
    )


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o027, 0o640)])
def test_new_file_gets_0666_minus_umask(tmp_path, umask, expected):
    write_in_child(tmp_path / "routes.csv", umask)
    assert mode(tmp_path / "routes.csv") == expected


def test_saving_over_a_scenario_keeps_its_permissions(tmp_path):
    target = tmp_path / "scenario.json"
    save_scenario(load_scenario(IRIDIUM), target)
    os.chmod(target, 0o640)
    save_scenario(load_scenario(IRIDIUM), target)
    assert mode(target) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["scenario.json"]


def test_a_symlink_at_the_target_is_followed(tmp_path):
    real = tmp_path / "real" / "routes.csv"
    real.parent.mkdir()
    real.write_text("old\n")
    os.chmod(real, 0o604)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    atomic_write_text(link, "new\n")
    assert link.is_symlink() and real.read_text() == "new\n" and mode(real) == 0o604
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "real" / "created.csv")
    atomic_write_text(dangling, "made\n")
    assert dangling.is_symlink() and (tmp_path / "real" / "created.csv").read_text() == "made\n"


def test_a_symlink_loop_is_refused_in_one_line(tmp_path, capsys):
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    assert main(["schema", "-o", str(loop)]) == 1
    assert capsys.readouterr().err == f"sdn-desktop schema: {loop}: a symbolic link loop\n"


def test_a_fifo_is_written_directly(tmp_path):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    atomic_write_text(fifo, "streamed\n")
    reader.join(5)
    assert received == ["streamed\n"] and stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["out.fifo"]


def test_dev_null_stays_a_device(capsys):
    assert main(["schema", "-o", "/dev/null"]) == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not [p for p in Path("/dev").iterdir() if p.name.startswith(".null.")]


def test_a_socket_is_refused(tmp_path, capsys):
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        assert main(["schema", "-o", str(path)]) == 1
    err = capsys.readouterr().err
    assert (
        err
        == f"sdn-desktop schema: {path}: is a socket; only a file, a FIFO or a character device is written\n"
    )


def test_a_failed_write_leaves_the_target_and_no_temporary(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"before")
    with pytest.raises(RuntimeError), atomic_output(target) as fh:
        fh.write(b"half")
        raise RuntimeError("stopped")
    assert target.read_bytes() == b"before" and [p.name for p in tmp_path.iterdir()] == ["out.bin"]


WRITER = """
import os, signal, sys
from sdn_desktop.scenario import atomic_output
with atomic_output(sys.argv[1]) as fh:
    fh.write(b"x" * 100000)
    fh.flush()
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_temporaries_of_a_killed_writer_are_cleaned_when_stale(tmp_path):
    target = tmp_path / "routes.csv"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = subprocess.run([sys.executable, "-c", WRITER, str(target)], env=env, check=False)
    assert killed.returncode == -signal.SIGKILL
    (left,) = tmp_path.iterdir()
    assert left.name.startswith(".routes.csv.") and left.name.endswith(".tmp")
    atomic_write_text(target, "fresh temporaries are kept\n")
    assert left.exists()
    old = time.time() - STALE_AFTER_S - 60
    os.utime(left, (old, old))
    ours = tmp_path / f".other.csv.{os.getpid()}-0123456789ab.tmp"  # a live writer's: kept
    ours.write_text("")
    os.utime(ours, (old, old))
    foreign = tmp_path / ".notes.txt.tmp"  # not our naming: kept
    foreign.write_text("")
    os.utime(foreign, (old, old))
    atomic_write_text(target, "second\n")
    assert not left.exists() and ours.exists() and foreign.exists()
    assert target.read_text() == "second\n"
    assert remove_stale_temporaries(tmp_path) == []


def test_a_snapshot_is_never_written_over_a_fifo(tmp_path, capsys):
    fifo = tmp_path / "frame.png"
    os.mkfifo(fifo)
    assert main(["snapshot", str(IRIDIUM), "-o", str(fifo)]) == 2
    assert capsys.readouterr().err == (
        f"sdn-desktop snapshot: cannot write '{fifo}': is a FIFO or device; "
        "this output needs a regular file\n"
    )
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
