"""A child Python process answering pickled requests on its stdin with pickles on its stdout.

The app runs the engine and the globe's drawing in such children: in threads, their Python would
hold the interpreter lock against the GUI. Each child is a fresh interpreter (not a fork of one
holding a GL context or Qt) running the ``serve()`` function of the module it is started with.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any, BinaryIO


class ChildStopped(RuntimeError):
    """The child did not answer: its error message, or how it ended."""


class PickleChild:
    """The parent's end: ``send`` messages, ``read`` answers in order; ``close`` ends the child.
    Use from one thread at a time."""

    error = ChildStopped  # raised when the child fails; subclasses name their own

    def __init__(self, module: str, *args: str):
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        self._process = subprocess.Popen(
            [sys.executable, "-c", f"from {module} import serve; serve()", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
        )  # fmt: skip

    def send(self, message: Any) -> None:
        try:
            pickle.dump(message, self._process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._process.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            raise self.stopped() from None

    def read(self) -> tuple:
        """The next answer (blocks without holding the GIL); an ``("error", message)`` answer raises."""
        try:
            answer = pickle.load(self._process.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            raise self.stopped() from None
        if answer[0] == "error":
            raise self.error(answer[1])
        return answer

    def stopped(self) -> ChildStopped:
        return self.error(f"the {self.name} process stopped (exit status {self._process.poll()})")

    @property
    def name(self) -> str:
        return type(self).__name__.removesuffix("Process").lower()

    def kill(self) -> None:
        self._process.kill()

    def close(self) -> None:
        for pipe in (self._process.stdin, self._process.stdout):
            try:
                pipe.close()
            except OSError:  # the child is gone already
                pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def child_streams() -> tuple[BinaryIO, BinaryIO]:
    """In the child: its request and answer streams; ``print`` goes to stderr from now on, so nothing
    else writes into the answers."""
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    return requests, answers


def answer(stream: BinaryIO, message: Any) -> None:
    pickle.dump(message, stream, protocol=pickle.HIGHEST_PROTOCOL)
    stream.flush()
