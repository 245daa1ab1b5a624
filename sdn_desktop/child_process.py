"""Child Python processes serving method calls: one protocol for the engine, globe and recorder children.

The app runs the engine, the globe's drawing and recordings in such children: in threads, their
Python would hold the interpreter lock against the GUI. Each child is a fresh interpreter (not a fork
of one holding a GL context or Qt) running ``serve(ServiceClass)`` of the module it is started with.

The protocol, pickles on the child's stdin/stdout:
- a request is ``Request(method, args, kwargs)``: a public method of the child's ``Service``;
- the child answers each request with any number of ``Progress(value)`` and then one
  ``Result(value)`` or ``Failure(error_type, message)`` (the exception the method raised);
- once started, the child answers ``Result(None)`` (ready), or a ``Failure`` saying why it cannot
  serve (no EGL, say), and stops.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

_SIGNALS = {int(sig) for sig in signal.Signals}
STOP_WAIT_S = 2.0  # how long a child that closed its pipe is given to exit, for its exit status


@dataclass(frozen=True)
class Request:
    method: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    value: Any


@dataclass(frozen=True)
class Progress:
    value: Any


@dataclass(frozen=True)
class Failure:
    """An exception raised in the child: its type name and message."""

    error_type: str
    message: str

    @classmethod
    def of(cls, err: BaseException) -> Failure:
        return cls(type(err).__name__, str(err))


class ChildError(RuntimeError):
    """A call the child could not answer: the exception it raised there (``error_type``, ``reason``),
    or, with ``stopped`` set, how the child ended."""

    def __init__(self, reason: str, error_type: str = "", stopped: bool = False):
        super().__init__(f"{error_type}: {reason}" if error_type else reason)
        self.reason, self.error_type, self.stopped = reason, error_type, stopped


class ChildProcess:
    """The parent's end. ``call`` a method and wait for its result, or ``send`` requests ahead and
    ``receive`` their results in order; ``close`` ends the child. Use from one thread at a time."""

    error = ChildError  # raised when a call fails; subclasses name their own

    def __init__(self, module: str, *args: str):
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        self._process = subprocess.Popen(
            [sys.executable, "-c", f"from {module} import serve; serve()", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
        )  # fmt: skip
        self.started = False  # the child said it is ready

    def start(self) -> None:
        """Wait until the child is ready; raises ``error`` with its reason if it cannot serve."""
        if not self.started:
            self._next_reply(None)
            self.started = True

    def call(self, method: str, *args, progress: Callable[[Any], None] | None = None, **kwargs) -> Any:
        """``method(*args, **kwargs)`` in the child; its progress values go to ``progress``."""
        self.send(method, *args, **kwargs)
        return self._reply(progress)

    def send(self, method: str, *args, **kwargs) -> None:
        """Ask for a call without waiting for its result (``receive`` gets it, in order)."""
        try:
            pickle.dump(Request(method, args, kwargs), self._process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._process.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            raise self.stopped() from None

    def receive(self, progress: Callable[[Any], None] | None = None) -> Any:
        """The result of the oldest call not yet received (blocks without holding the GIL)."""
        return self._reply(progress)

    def _reply(self, progress: Callable[[Any], None] | None) -> Any:
        self.start()
        return self._next_reply(progress)

    def _next_reply(self, progress: Callable[[Any], None] | None) -> Any:
        while True:
            try:
                reply = pickle.load(self._process.stdout)
            except (EOFError, OSError, pickle.UnpicklingError):
                raise self.stopped() from None
            if isinstance(reply, Failure):
                raise self.error(reply.message, reply.error_type)
            if isinstance(reply, Result):
                return reply.value
            if progress is not None:
                progress(reply.value)

    def stopped(self) -> ChildError:
        """The error saying how the child ended (it closed its end of the pipe: it is ending)."""
        try:
            status = self._process.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            status = None
        if status is not None and status < 0:
            how = f"killed by {signal.Signals(-status).name if -status in _SIGNALS else -status}"
        else:
            how = f"exit status {status}"
        return self.error(f"the {self.name} process stopped ({how})", stopped=True)

    @property
    def name(self) -> str:
        return type(self).__name__.removesuffix("Process").lower()

    @property
    def pid(self) -> int:
        return self._process.pid

    def alive(self) -> bool:
        """The child has not ended (it may still be starting)."""
        return self._process.poll() is None

    def kill(self) -> None:
        self._process.kill()

    def terminate(self) -> None:
        self._process.terminate()

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


class Service:
    """What a child serves: its public methods are the requests it answers."""

    def __init__(self):
        self._answers: BinaryIO | None = None

    def progress(self, value: Any) -> None:
        """Tell the parent how the current call is going (a ``Progress`` before its result)."""
        _answer(self._answers, Progress(value))

    def idle(self) -> bool:
        """Work done in slices while no request waits; True while some is left."""
        return False


def serve(make_service: Callable[[], Service]) -> None:
    """The child's loop: answer requests until the parent closes the pipe."""
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # ``print`` must not write into the answers
    try:
        service = make_service()
    except Exception as err:  # it cannot serve here (no EGL, say): the parent shows why
        _answer(answers, Failure.of(err))
        return
    service._answers = answers
    try:
        _answer(answers, Result(None))
        while True:
            while not select.select([requests], [], [], 0)[0] and service.idle():
                pass
            try:
                request = pickle.load(requests)
            except EOFError:
                return
            _answer(answers, _handle(service, request))
    except BrokenPipeError:  # the parent is gone
        return


def _handle(service: Service, request: Request) -> Result | Failure:
    try:
        public = not request.method.startswith("_") and request.method not in ("progress", "idle")
        method = getattr(service, request.method, None) if public else None
        if method is None:
            raise AttributeError(f"no such request {request.method!r}")
        return Result(method(*request.args, **request.kwargs))
    except BrokenPipeError:
        raise
    except Exception as err:  # carried back to the caller, with its type and message
        return Failure.of(err)


def child_pids(pid: int | None = None) -> list[int]:
    """The live (not yet reaped) child processes of ``pid`` (default: this process), from /proc."""
    pid = os.getpid() if pid is None else pid
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:  # the thread ended since the listing: it has no children left to report
            continue
    return sorted(children)


def rss_bytes(pid: int) -> int:
    """The resident set size of process ``pid`` (0 if it is gone), from /proc."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    kb = next((line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")), "0")
    return int(kb) * 1024


def _answer(stream: BinaryIO, message: Result | Progress | Failure) -> None:
    pickle.dump(message, stream, protocol=pickle.HIGHEST_PROTOCOL)
    stream.flush()
