"""A pipe that ties the children of `supergraph dev` to it: they stop when it stops or dies.

The parent keeps the write end of a pipe and never writes to it; each child
inherits only the read end and reads it in a thread. A read returns (end of
file) when no process holds the write end any more: when the parent closed it
to stop its children, or when the kernel closed it because the parent exited
in any way, SIGKILL included. The child then stops itself as a SIGTERM would
stop it (uvicorn: a graceful shutdown), quietly (the parent reports the stop in
one line), and exits at once if that has not finished within `GRACE` seconds.

Why a pipe rather than Linux's PR_SET_PDEATHSIG: it works on every POSIX system,
has no race (a parent that died before the child started watching is an
immediate end of file, where the death signal would never come), and does not
depend on which thread of the parent started the child (the death signal fires
when that *thread* exits). It needs code in the child, hence this launcher:

    python -m supergraph.cli.lifeline --fd N MODULE [ARG ...]

runs `python -m MODULE ARG ...` with the lifeline watched.
"""

from __future__ import annotations

import argparse
import logging
import os
import runpy
import signal
import sys
import threading
import time
from collections.abc import Sequence

GRACE = 5.0
# Loggers whose INFO lines narrate a shutdown the parent already reports.
QUIET_ON_STOP = ("uvicorn", "uvicorn.error")


class Lifeline:
    """The parent's side: one pipe shared by all children."""

    def __init__(self) -> None:
        # Both ends are non-inheritable; `pass_fds` hands only the read end to a child.
        self._read, self._write = os.pipe()
        self._cut = self._closed = False

    @property
    def fd(self) -> int:
        return self._read

    def argv(self, module: str, args: Sequence[str]) -> list[str]:
        """The command line running `python -m module args` tied to this lifeline."""
        launcher = [sys.executable, "-m", __name__, "--fd", str(self._read)]
        return [*launcher, module, *args]

    def cut(self) -> None:
        """Tell every child to stop (idempotent)."""
        if not self._cut:
            self._cut = True
            os.close(self._write)

    def close(self) -> None:
        self.cut()
        if not self._closed:
            self._closed = True
            os.close(self._read)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m supergraph.cli.lifeline")
    parser.add_argument("--fd", type=int, required=True, help="read end of the lifeline pipe")
    parser.add_argument("module")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    threading.Thread(target=_watch, args=(args.fd,), name="lifeline", daemon=True).start()
    sys.argv = [args.module, *args.args]
    runpy.run_module(args.module, run_name="__main__", alter_sys=True)


def _watch(fd: int) -> None:
    while os.read(fd, 1):
        pass  # nobody writes; only the end of file matters
    for name in QUIET_ON_STOP:
        logging.getLogger(name).setLevel(logging.WARNING)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(GRACE)
    os._exit(1)


if __name__ == "__main__":
    main()
