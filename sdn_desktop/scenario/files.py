"""Reading input files with bounds, and writing outputs atomically.

Reading: only regular files (a FIFO would block forever, ``/dev/zero`` never ends), at most a given
size, with one-line reasons (:class:`UnreadableFile`).

Writing (:func:`atomic_output` and the functions built on it, used by every writer of the project):
the data goes to a hidden temporary file ``.NAME.PID-RANDOM.tmp`` beside the target, is flushed to
disk and renamed over the target, so a crash never leaves a truncated file. The target keeps its
permissions (a new file gets ``0666 & ~umask``, as ``open()`` would give); a symlink at the target is
followed (the file it points to is replaced); a FIFO or character device (``/dev/null``) is written
directly; other special files are refused. Temporary files of this naming that a killed process left
behind are removed on the next write to the same folder once they are an hour old and their process
is gone.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

STALE_AFTER_S = 3600.0
_TEMP_NAME = re.compile(r"^\..+\.(?P<pid>\d+)-[0-9a-f]{12}\.tmp(\.[^.]*)?$")


class UnreadableFile(OSError):
    """An input that cannot be used; ``str()`` is the reason, one line."""

    def __init__(self, reason: str):
        super().__init__(reason)

    def __str__(self) -> str:
        return self.args[0]


class OverLimitFile(UnreadableFile):
    """An input larger than a limit of scenario/limits.py (its size, or the entries it holds)."""


class UnwritableTarget(OSError):
    """An output path that must not be written (a block device, a socket, a folder)."""

    def __init__(self, path: str | os.PathLike, reason: str):
        super().__init__(errno.EINVAL, reason, str(path))

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
    ):  # fmt: skip
        if test(mode):
            return name
    return "not a regular file"


def _size(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB" if n >= 2**20 else f"{n:,} bytes"


def read_limited(path: str | os.PathLike, max_bytes: int, what: str) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` of them (``what`` names the
    kind of file in the message); raises :class:`UnreadableFile`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise UnreadableFile("file not found") from None
    except ValueError:
        raise UnreadableFile("the path contains a NUL byte") from None
    except OSError as err:
        reason = "a symbolic link loop" if err.errno == errno.ELOOP else err.strerror or str(err)
        raise UnreadableFile(f"cannot open: {reason}") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(f"is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > max_bytes:
            raise OverLimitFile(f"is {_size(info.st_size)}, over the limit of {_size(max_bytes)} for {what}")
        try:
            data = fh.read(max_bytes + 1)
        except OSError as err:
            raise UnreadableFile(f"cannot read: {err.strerror or err}") from None
    if len(data) > max_bytes:  # it grew while we read
        raise OverLimitFile(f"is over the limit of {_size(max_bytes)} for {what}")
    return data


# ---------------------------------------------------------------------------- writing
def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # no /proc: read it the racy way, once
    os.umask(mask)
    return mask


UMASK = _umask()


def _final_target(path: str | os.PathLike) -> Path:
    """``path`` with symlinks followed (a dangling one gives the file it would create)."""
    path = Path(path).expanduser().absolute()
    if "\0" in str(path):
        raise UnwritableTarget(path, "the path contains a NUL byte")
    if not path.is_symlink():
        return path
    try:
        os.stat(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        reason = "a symbolic link loop" if err.errno == errno.ELOOP else err.strerror or str(err)
        raise UnwritableTarget(path, reason) from None
    return Path(os.path.realpath(path))


def _streamed(target: Path) -> bool:
    """True if ``target`` is a FIFO or character device, written directly; raises for what cannot be
    written at all."""
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return False
    if stat.S_ISREG(mode):
        return False
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return True
    raise UnwritableTarget(target, f"is {_kind(mode)}; only a file, a FIFO or a character device is written")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        pass
    return True


def remove_stale_temporaries(folder: Path, now: float | None = None) -> list[Path]:
    """Delete temporary outputs of our naming in ``folder`` whose writer is gone and that are older
    than ``STALE_AFTER_S``; returns what was removed."""
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match is None:
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
            if age < STALE_AFTER_S or _process_alive(int(match["pid"])):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            continue  # removed by someone else, or not ours to remove
        removed.append(Path(entry.path))
    return removed


def temporary_beside(path: str | os.PathLike, suffix: str = "", folder: bool = False) -> Path:
    """A new hidden temporary file (or folder) of our naming beside ``path``'s final target, with
    the permissions the target has (or a new file would get). ``suffix`` keeps an extension that
    encoders look at (``.mp4``). Raises :class:`UnwritableTarget` for targets that must not be
    replaced, OSError when the folder cannot be written."""
    target = _final_target(path)
    if not (folder and target.is_dir()) and _streamed(target):
        raise UnwritableTarget(target, "is a FIFO or device; this output needs a regular file")
    remove_stale_temporaries(target.parent)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = (0o777 if folder else 0o666) & ~UMASK
    while True:
        temp = target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(6)}.tmp{suffix}"
        try:
            if folder:
                os.mkdir(temp, 0o700)
            else:
                os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
        except FileExistsError:
            continue
        os.chmod(temp, mode)
        return temp


def replace_with(temp: str | os.PathLike, path: str | os.PathLike) -> Path:
    """Flush ``temp`` to disk and rename it over ``path``'s final target; returns that target."""
    target = _final_target(path)
    if not os.path.isdir(temp):
        fd = os.open(temp, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    os.replace(temp, target)
    return target


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary file to write ``path``'s content to; it replaces ``path`` only if the block ends
    without an exception. A FIFO or character device at ``path`` is written directly."""
    target = _final_target(path)
    if _streamed(target):
        with open(target, "wb") as fh:
            yield fh
        return
    temp = temporary_beside(target)
    try:
        with open(temp, "wb") as fh:
            yield fh
        replace_with(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_output(path) as fh:
        fh.write(data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` as UTF-8 with ``\\n`` line ends, atomically (see :func:`atomic_output`)."""
    atomic_write_bytes(path, text.encode("utf-8"))
