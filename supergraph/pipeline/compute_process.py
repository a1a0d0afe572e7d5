"""Compute jobs in child processes: compilation off the router process's interpreter lock.

On a worker thread (compute.py) a fresh operation's compile no longer blocks the
event loop outright, but it still holds the process's interpreter lock most of
the time: the loop releases the lock at each system call and must then wait for
the worker to hand it back, many times per request. Four clients sending fresh
32 KB operations (0.2-0.3 s of parsing, validation and planning each) kept a
simple query's p99 at 4-5x its idle value that way (bench/README.md). Here the
compile runs in a child process with its own interpreter, and the router process
only unpickles the result: a prepared operation of 3,300 fields is ~52 KB and
~1 ms to load, against ~200 ms to build.

How it works:

- Each child is `python -m supergraph.pipeline.compute_process`, started with
  `subprocess` (no fork of a threaded process) and sent `ProcessSpec.entry`
  ("module:function") and `payload`; the function builds the child's `Handler`
  (for the router: the same supergraph, loaded from its SDL, and the options
  that decide compilation). Jobs go over its stdin, results come back over its
  stdout (length-prefixed frames), one job at a time per child: the queue stays
  in the router process, so back-pressure, sharing of identical jobs and
  skipping of jobs nobody waits for work as with the thread (compute.py).
- Results are pickled with the schema-level objects both processes have (the
  GraphQL schema and its types, the shapes and leaf selections every operation
  shares) sent by name (`Shared`, `_Dumper`): the router process gets the operation's own
  objects, bound to its own schema. A result that would carry another
  schema-level object, or cannot be pickled, is refused by the child, and the job
  runs on this process's thread instead (logged once): never a wrong answer.
- One thread per child in the router process sends its jobs and waits (blocked
  in a system call, without the interpreter lock) for the answers.
- Children start in the background (at once, and again after one died): until
  one is up its jobs run on the thread, so no request waits for a child's start.
- A child that dies (or passes `JOB_TIMEOUT`) is killed and started again; the
  job it was running is answered with `ComputeJobFailed`
  (COMPUTE_JOB_FAILED, HTTP 503): the operation itself may be what killed it, so
  it is not retried. A child that cannot start (twice in a row) turns the
  process mode off: the jobs run on the thread, as before, and the log says why.
- Bounds: `ProcessSpec.processes` children (at most `MAX_PROCESSES`), one job in
  flight each, results of at most `max_result_bytes` (a larger one runs on the
  thread). Children run at nice +10, so with both cores busy the scheduler
  prefers the router's event loop, in a session of their own (a terminal's
  signals go to the router); a child exits when its stdin closes (the router
  closed it or died).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import gc
import importlib
import io
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Final, Protocol

logger = logging.getLogger(__name__)

COMPUTE_JOB_FAILED_MESSAGE: Final = (
    "The router's compile process stopped while processing this request: retry later."
)
MAX_PROCESSES: Final = 32
DEFAULT_MAX_RESULT_BYTES: Final = 64 << 20
"""A prepared operation of 3,300 fields pickles to ~52 KB; the limits on a document
(tokens, length, fields) keep real results far below this."""
JOB_TIMEOUT: Final = 120.0
"""Seconds a child may take for one job before it is deemed stuck and killed (a
fresh 32 KB operation takes ~0.2 s; this is for a child that will never answer)."""
START_TIMEOUT: Final = 120.0
CHILD_NICENESS: Final = 10
_START_FAILURES: Final = 2
"""Consecutive failed starts after which the process mode is given up."""

RemoteJob = tuple[str, tuple[Any, ...]]
"""(name, arguments): what the child's `Handler.run` is called with."""


class Shared(Protocol):
    """The objects both processes have, pickled by name."""

    def name_of(self, obj: object) -> Hashable | None:
        """`obj`'s name when it is shared (None: pickled as any object)."""
        ...

    def named(self, key: Any) -> object:
        """The shared object called `key` in this process."""
        ...


class Handler(Protocol):
    """What a child runs jobs with (built by `ProcessSpec.entry` from the payload)."""

    shared: Shared

    def run(self, name: str, args: tuple[Any, ...]) -> object: ...


@dataclass(frozen=True, slots=True)
class ProcessSpec:
    entry: str
    """"module:function": called in the child with `payload`, returns its `Handler`."""
    payload: bytes
    shared: Callable[[], Shared]
    """The router process's side of `Shared` (built when the first result arrives)."""
    processes: int = 1
    max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES


class ComputeJobFailed(Exception):
    """The child running the job died or stopped answering (COMPUTE_JOB_FAILED)."""


class RemoteError(Exception):
    """The job raised in the child: the child's traceback, for the router's log."""


class _RunHere(Exception):
    """The child could not send this result back: run the job in this process."""


_Item = tuple["concurrent.futures.Future[Any]", RemoteJob, Callable[[], Any]]


class ProcessWorker:
    """Children serving jobs from one queue (see the module doc); a job is submitted
    with its remote form and the local callable that stands in when needed."""

    def __init__(self, spec: ProcessSpec) -> None:
        if not 1 <= spec.processes <= MAX_PROCESSES:
            raise ValueError(f"compute processes: 1 to {MAX_PROCESSES}, not {spec.processes}")
        self.spec = spec
        self.restarts = 0
        """Children started again after one died or was stuck."""
        self.failed = 0
        """Jobs answered ComputeJobFailed."""
        self.local = 0
        """Jobs run in this process instead (result refused by the child, or no child)."""
        self.unavailable: str | None = None
        """Why the process mode was given up (None: it was not)."""
        self._queued: deque[_Item] = deque()
        self._ready = threading.Condition()
        self._closed = False
        self._children: list[_Child | None] = [None] * spec.processes
        self._starting = [False] * spec.processes
        self._launched: list[_Child | None] = [None] * spec.processes
        """Children started and not yet ready."""
        self._shared: Shared | None = None
        self.before_load: Callable[[], object] | None = None
        """Called on the child's thread before a result is loaded (the load holds the
        interpreter lock): a wait while higher-priority work runs (pipeline/fresh.py)."""
        for index in range(spec.processes):
            threading.Thread(
                target=self._serve, args=(index,), name=f"compute-process-{index}", daemon=True
            ).start()

    def submit(self, remote: RemoteJob, local: Callable[[], Any]) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        with self._ready:
            if self._closed:
                raise RuntimeError("the compute processes are closed")
            self._queued.append((future, remote, local))
            self._ready.notify()
        return future

    def pids(self) -> list[int]:
        """The live children's process ids (tests, diagnostics)."""
        return [child.process.pid for child in self._children if child is not None]

    def close(self) -> None:
        """Stop the children (a job they run is abandoned: its router is retired)."""
        with self._ready:
            self._closed = True
            pending = list(self._queued)
            self._queued.clear()
            children = [child for child in (*self._children, *self._launched) if child is not None]
            self._ready.notify_all()
        for future, _, _ in pending:
            future.cancel()
        for child in children:
            child.kill()

    def _serve(self, index: int) -> None:
        _lower_priority()
        self._start_soon(index)
        while True:
            with self._ready:
                while not (self._queued or self._closed):
                    self._ready.wait()
                if self._closed:
                    self._drop(index)
                    return
                future, remote, local = self._queued.popleft()
            if not future.set_running_or_notify_cancel():
                continue  # its requesters went away before it started
            try:
                result = self._run(index, remote, local)
            except BaseException as error:  # the requester gets it, as with an executor
                future.set_exception(error)
            else:
                future.set_result(result)

    def _run(self, index: int, remote: RemoteJob, local: Callable[[], Any]) -> Any:
        child = self._live_child(index)
        if child is None:
            self.local += 1
            return local()
        try:
            return child.call(remote, self._shared_objects(), self.before_load)
        except _RunHere:
            self.local += 1
            return local()
        except ComputeJobFailed:
            with self._ready:
                closed = self._closed
            self._drop(index)
            if not closed:
                self.failed += 1
                self.restarts += 1
                logger.error(
                    "compute process %d stopped during a job (restarting it): %s",
                    child.process.pid,
                    child.exit_status(),
                )
                self._start_soon(index)
            raise

    def _shared_objects(self) -> Shared:
        if self._shared is None:
            self._shared = self.spec.shared()
        return self._shared

    def _live_child(self, index: int) -> _Child | None:
        """The child at `index` when it is up; None while one starts (or when the
        process mode was given up): the job then runs on this thread, so no request
        waits for a child's start (~1 s idle, several on a busy machine, at its
        lower priority), neither the first one nor one after a restart."""
        child = self._children[index]
        if child is not None:
            if child.process.poll() is None:
                return child
            # It died between jobs (killed from outside): the next job is not its cause.
            logger.error(
                "compute process %d stopped (restarting it): %s",
                child.process.pid,
                child.exit_status(),
            )
            self._drop(index)
            self.restarts += 1
        self._start_soon(index)
        return None

    def _start_soon(self, index: int) -> None:
        with self._ready:
            if self._closed or self.unavailable is not None or self._starting[index]:
                return
            self._starting[index] = True
        threading.Thread(
            target=self._start, args=(index,), name=f"compute-start-{index}", daemon=True
        ).start()

    def _start(self, index: int) -> None:
        _lower_priority()  # the child inherits this thread's nice value
        try:
            error: Exception | None = None
            for _ in range(_START_FAILURES):
                try:
                    child = _Child.launch(self.spec)
                    with self._ready:
                        self._launched[index] = child  # close() kills it too
                        closed = self._closed
                    if closed:
                        child.kill()
                        return
                    child.wait_ready()
                except Exception as failed:
                    if self._closed:
                        return
                    error = failed
                    continue
                with self._ready:
                    if not self._closed:
                        self._children[index] = child
                        return
                child.kill()
                return
            self.unavailable = f"{type(error).__name__}: {error}"
            logger.warning(
                "compute processes unavailable (%s): compiling on a thread of this process",
                self.unavailable,
            )
        finally:
            with self._ready:
                self._starting[index] = False
                self._launched[index] = None

    def _drop(self, index: int) -> None:
        child = self._children[index]
        self._children[index] = None
        if child is not None:
            child.kill()


class _Child:
    """One child process and its two pipes (used by one thread at a time)."""

    def __init__(self, process: subprocess.Popen[bytes], spec: ProcessSpec) -> None:
        self.process = process
        assert process.stdin is not None and process.stdout is not None
        self._jobs = Connection(os.dup(process.stdin.fileno()), readable=False)
        self._results = Connection(os.dup(process.stdout.fileno()), writable=False)
        process.stdin.close()
        process.stdout.close()
        self._max_result = spec.max_result_bytes + 1024

    @classmethod
    def launch(cls, spec: ProcessSpec) -> _Child:
        """The child process, sent its spec (`wait_ready` then waits for its handler)."""
        process = subprocess.Popen(
            [sys.executable, "-m", "supergraph.pipeline.compute_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
            # Its own process group: a terminal's Ctrl-C or SIGHUP goes to the router,
            # which decides; the child ends when its stdin closes.
            start_new_session=True,
        )
        child = cls(process, spec)
        try:
            child._jobs.send_bytes(pickle.dumps((spec.entry, spec.payload, spec.max_result_bytes)))
        except OSError as error:
            child.kill()
            raise RuntimeError(f"the child exited at start ({child.exit_status()})") from error
        return child

    def wait_ready(self) -> None:
        try:
            if not self._results.poll(START_TIMEOUT):
                raise TimeoutError(f"no answer within {START_TIMEOUT:.0f} s")
            ready = self._results.recv_bytes(1024)
            if ready != b"ready":
                raise RuntimeError(ready.decode(errors="replace"))
        except (OSError, EOFError) as error:
            self.kill()
            raise RuntimeError(f"the child exited at start ({self.exit_status()})") from error
        except BaseException:
            self.kill()
            raise

    def call(
        self,
        remote: RemoteJob,
        shared: Shared,
        before_load: Callable[[], object] | None = None,
    ) -> Any:
        try:
            self._jobs.send_bytes(pickle.dumps(remote, protocol=pickle.HIGHEST_PROTOCOL))
            if not self._results.poll(JOB_TIMEOUT):
                raise ComputeJobFailed(f"no answer within {JOB_TIMEOUT:.0f} s")
            blob = self._results.recv_bytes(self._max_result)
        except (OSError, EOFError) as error:
            raise ComputeJobFailed(str(error) or type(error).__name__) from error
        # No collection while unpickling: tens of thousands of new objects would start
        # several, each holding the interpreter lock the event loop waits for (as
        # compute.py keeps them out of jobs on its thread).
        if before_load is not None:
            before_load()
        enabled = gc.isenabled()
        gc.disable()
        try:
            status, value = _Loader(io.BytesIO(blob), shared).load()
        finally:
            if enabled:
                gc.enable()
        if status == "ok":
            return value
        if status == "error":
            raise RemoteError(value)
        _log_refused(value)
        raise _RunHere

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self._jobs.close()
        with contextlib.suppress(OSError):
            self._results.close()
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)

    def exit_status(self) -> str:
        code = self.process.poll()
        if code is None:
            return "still running"
        return f"killed by signal {-code}" if code < 0 else f"exit status {code}"


_refused_logged = False


def _log_refused(reason: object) -> None:
    global _refused_logged
    if not _refused_logged:
        _refused_logged = True
        logger.warning("a compute result could not come back from its process: %s", reason)


def _shared_object(key: Any) -> object:
    """Stands for a shared object in a result: `_Loader` calls `Shared.named` instead."""
    raise pickle.UnpicklingError(f"the shared object {key!r} outside a compute result")


class _Dumper(pickle.Pickler):
    """Shared objects as calls of `_shared_object(name)`. Not persistent ids: pickle asks
    for those at each occurrence (thousands of references to a few dozen shared leaf
    selections in a large operation), where `reducer_override` comes after its memo:
    once per distinct object, and never for str, int, tuple, list or dict."""

    def __init__(self, file: io.BytesIO, shared: Shared) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._shared = shared

    def reducer_override(self, obj: object) -> Any:
        key = self._shared.name_of(obj)
        if key is None:
            return NotImplemented
        return _shared_object, (key,)


class _Loader(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, shared: Shared) -> None:
        super().__init__(file)
        self._shared = shared

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == "_shared_object":
            return self._shared.named
        return super().find_class(module, name)


def _lower_priority() -> None:
    # On Linux a thread has its own nice value; elsewhere this may not apply.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), CHILD_NICENESS)


def _dump(outcome: tuple[str, object], shared: Shared) -> bytes:
    out = io.BytesIO()
    _Dumper(out, shared).dump(outcome)
    return out.getvalue()


def child_main() -> None:
    """The child: jobs from stdin, results to stdout, until stdin closes."""
    # Not in the router's process group (Ctrl-C goes to the router); should one still
    # arrive, the router decides, and this process ends when its stdin closes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    jobs = Connection(os.dup(0), writable=False)
    results = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # anything printed goes to stderr, never into the results
    with contextlib.suppress(OSError):
        os.nice(CHILD_NICENESS)
    try:
        entry, payload, max_result = pickle.loads(jobs.recv_bytes())
        module, _, function = entry.partition(":")
        handler: Handler = getattr(importlib.import_module(module), function)(payload)
    except EOFError:
        return
    except Exception as error:
        results.send_bytes(f"{type(error).__name__}: {error}".encode())
        return
    # The supergraph and schema stay for the process's life: no collection scans them
    # again. During a job none runs at all (its objects die by reference counting
    # when it ends; the few in cycles go in the young collection after it).
    gc.collect()
    gc.freeze()
    gc.disable()
    results.send_bytes(b"ready")
    shared = handler.shared
    while True:
        try:
            name, args = pickle.loads(jobs.recv_bytes())
        except EOFError:
            return
        try:
            outcome: tuple[str, object] = ("ok", handler.run(name, args))
        except Exception:
            outcome = ("error", traceback.format_exc())
        try:
            blob = _dump(outcome, shared)
        except Exception as error:
            blob = _dump(("refused", f"{type(error).__name__}: {error}"), shared)
        del outcome
        gc.collect(1)
        if len(blob) > max_result:
            blob = _dump(("refused", f"{len(blob)} bytes, over {max_result}"), shared)
        try:
            results.send_bytes(blob)
        except OSError:
            return  # the router went away


if __name__ == "__main__":
    # Run as the package's module, not as __main__: results name `_shared_object` by
    # its module, which the router process imports under this name.
    from supergraph.pipeline import compute_process

    compute_process.child_main()
