"""Ctrl-C, delivered where kgraph can handle it.

A Ctrl-C raises :class:`KeyboardInterrupt` wherever this process happens to be. A few places
cannot take it: a worker process would print its own traceback, a pool interrupted while it
starts leaves its workers running, and some compiled modules lose it if it lands while they are
being imported (lxml's, for one: the interrupt is swallowed, or turns into an ImportError). In
those places a Ctrl-C is only noted, and raised as soon as they are done.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from multiprocessing.context import BaseContext
from multiprocessing.pool import Pool


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Run the block with Ctrl-C noted, not raised; raise it once the block is done.

    Only the main thread receives signals: elsewhere the block just runs, as it does where
    Ctrl-C is ignored (a pool's workers: :func:`ignore_interrupts`).

    Examples
    --------
    >>> import os, signal
    >>> done = []
    >>> try:
    ...     with deferred_interrupts():
    ...         os.kill(os.getpid(), signal.SIGINT)
    ...         done.append("the rest of the block")
    ... except KeyboardInterrupt:
    ...     done.append("then the interrupt")
    >>> done
    ['the rest of the block', 'then the interrupt']
    """
    main = threading.current_thread() is threading.main_thread()
    # None: a handler not set from Python, which could not be put back
    if not main or signal.getsignal(signal.SIGINT) in (signal.SIG_IGN, None):
        yield
        return
    interrupted: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, _: interrupted.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if interrupted:  # to the handler there was (raised here even if the block failed)
            signal.raise_signal(signal.SIGINT)


@contextlib.contextmanager
def quiet_pool(context: BaseContext, workers: int) -> Iterator[Pool]:
    """A process pool whose workers leave Ctrl-C to this process; terminated on leaving.

    A terminal sends SIGINT to the whole process group: a worker that took it would print a
    traceback, and a Ctrl-C that interrupted this process while it was starting the pool
    would leave the pool's workers running after it exits. So while the pool starts, a
    Ctrl-C is only noted (the workers inherit that handler, then ignore SIGINT:
    :func:`ignore_interrupts`), and raised once the pool is in its ``with`` block.
    """
    with contextlib.ExitStack() as stack:
        with deferred_interrupts():  # raised here, the pool is already on the stack to stop
            pool = stack.enter_context(context.Pool(workers, initializer=ignore_interrupts))
        yield pool


def ignore_interrupts() -> None:
    """A pool worker's initializer: Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
