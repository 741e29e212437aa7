"""Parsers in child processes, so that a batch of files is parsed on the machine's cores while
the rows of earlier files are written.

`ParseProcess` has the `submit(fn, *args) -> Future` shape of an executor: calls (a module-level
function and picklable arguments) go to the child over its stdin, results and exceptions come
back over its stdout in the same order, each as a length-prefixed pickle. The child is a plain
`python -m loaders.parse_worker`, not `multiprocessing`: that would re-run the caller's main
script (spawn) or copy a process holding database connections and threads (fork).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
from collections import deque
from concurrent.futures import Future
from pathlib import Path
from typing import BinaryIO

_LENGTH = struct.Struct("<Q")
PARSER_NICENESS = 10
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])


def _send(stream: BinaryIO, value: object) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _receive(stream: BinaryIO) -> object:
    """The next value, or EOFError when the other side closed the pipe."""
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        raise EOFError
    (length,) = _LENGTH.unpack(header)
    payload = stream.read(length)
    if len(payload) < length:
        raise EOFError
    return pickle.loads(payload)


class ParseProcessStopped(RuntimeError):
    """The child exited (killed, out of memory) before answering a call."""


class ParseProcess:
    """One child process running submitted calls one after the other."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (_PACKAGE_ROOT, env.get("PYTHONPATH"))))
        self._child = subprocess.Popen(
            [sys.executable, "-m", "loaders.parse_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self._pending: deque[Future] = deque()
        self._stopped = False
        self._lock = threading.Lock()  # guards _pending and _stopped; never held while blocked
        self._send_lock = threading.Lock()  # calls reach the child in the order of _pending
        self._reader = threading.Thread(
            target=self._read_results, name="parse-results", daemon=True
        )
        self._reader.start()

    def submit(self, fn, *args) -> Future:
        future: Future = Future()
        with self._send_lock:
            with self._lock:
                if self._stopped:
                    future.set_exception(ParseProcessStopped("the parse process stopped"))
                    return future
                self._pending.append(future)
            # Sent without holding _lock: with the pipe to the child full, the child waits for
            # its answers to be read, and the reader must be free to take them.
            try:
                _send(self._child.stdin, (fn, args))
            except OSError as exc:  # the child is gone
                with self._lock:
                    if future in self._pending:  # not failed by the reader already
                        self._pending.remove(future)
                        future.set_exception(
                            ParseProcessStopped(f"the parse process stopped ({exc})")
                        )
        return future

    @property
    def stopped(self) -> bool:
        """The child exited; calls submitted now fail with ParseProcessStopped."""
        with self._lock:
            return self._stopped

    def waiting(self) -> int:
        """Calls submitted and not answered yet."""
        with self._lock:
            return len(self._pending)

    def _read_results(self) -> None:
        while True:
            try:
                ok, value = _receive(self._child.stdout)
            except EOFError:
                break
            with self._lock:
                future = self._pending.popleft()
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        with self._lock:
            self._stopped = True
            while self._pending:
                self._pending.popleft().set_exception(
                    ParseProcessStopped("the parse process stopped")
                )

    def shutdown(self) -> None:
        """Let the child finish what was submitted, then wait for it to exit."""
        with contextlib.suppress(OSError):  # already closed when the child died
            self._child.stdin.close()
        self._reader.join()
        self._child.wait()

    def __enter__(self) -> ParseProcess:
        return self

    def __exit__(self, *exc_info) -> None:
        self.shutdown()


class ParsePool:
    """Several parse processes behind one `submit`: each call goes to the child with the fewest
    calls waiting, so a slow file (an xlsx export) does not hold up the files behind it."""

    def __init__(self, processes: list[ParseProcess]) -> None:
        self._processes = processes

    def submit(self, fn, *args) -> Future:
        running = [p for p in self._processes if not p.stopped] or self._processes
        return min(running, key=ParseProcess.waiting).submit(fn, *args)

    def shutdown(self) -> None:
        for process in self._processes:
            process.shutdown()

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc_info) -> None:
        self.shutdown()


def _serve(requests: BinaryIO, results: BinaryIO) -> None:
    """The child's loop: run each call, send back (True, result) or (False, exception)."""
    # Parsing allocates a million objects per file and makes no reference cycles: the cyclic
    # collector would only scan each file's objects again and again (a fifth of the parse time).
    # It runs after a failed call instead, whose exception chain may hold cycles.
    gc.disable()
    while True:
        try:
            fn, args = _receive(requests)
        except EOFError:
            return
        try:
            reply = (True, fn(*args))
        except Exception as exc:  # every failure belongs to the caller
            reply = (False, exc.with_traceback(None))
        try:
            _send(results, reply)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            _send(results, (False, RuntimeError(f"{type(reply[1]).__name__}: {exc}")))
        if not reply[0]:
            reply = None
            gc.collect()


if __name__ == "__main__":
    # Ctrl-C reaches the whole process group: the parent stops the batch and closes our stdin.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Writing (the loader and its database server, taking turns) is the critical path of a
    # batch; parsers only need to stay ahead of it. At equal priority two parsers take two
    # thirds of a 2-core machine and the writing waits for the CPU; a lower priority lets them
    # fill only what the writing leaves idle.
    with contextlib.suppress(OSError):
        os.nice(PARSER_NICENESS)
    results = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the results pipe
    _serve(sys.stdin.buffer, results)
