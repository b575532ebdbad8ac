"""Work spread over a Dask cluster (``pip install eos-symbolic[dask]``): the one place that
reads a scheduler address and runs tasks there, for the sweeps, the concentration proofs and
their re-check.

A scheduler is an address ``tcp://host:port`` (or ``tls://``), connected to here and closed
afterwards, or a ``distributed.Client`` the caller owns (used as it is, left open). Tasks are
module-level functions of picklable arguments; the workers need this package installed.
"""
import re
import threading
from contextlib import contextmanager

from .errors import ClusterLost, EosError

ADDRESS = re.compile(r"^(tcp|tls)://[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")
#: Held by a task while it runs: a Dask worker may run tasks in threads, and python-flint's
#: and mpmath's working precisions are global to a process.
ONE_TASK_AT_A_TIME = threading.Lock()


@contextmanager
def client_for(scheduler, who):
    """A connected ``distributed.Client`` for `scheduler`; errors are one line naming `who`
    (the command or function asking)."""
    try:
        from distributed import Client
    except ImportError:
        raise EosError(f"{who}: --scheduler needs dask (pip install 'eos-symbolic[dask]')") \
            from None
    if isinstance(scheduler, Client):
        yield scheduler
        return
    if not isinstance(scheduler, str) or not ADDRESS.match(scheduler):
        raise EosError(f"{who}: --scheduler: expected an address such as tcp://host:8786, "
                       f"got {str(scheduler)[:60]!r}")
    try:
        client = Client(scheduler, timeout=20)
    except (OSError, ValueError, TimeoutError) as exc:
        raise EosError(f"{who}: --scheduler {scheduler}: cannot connect "
                       f"({type(exc).__name__})") from None
    try:
        yield client
    finally:
        client.close()


def run_on_cluster(scheduler, who, fn, items, shared=(), in_order=False):
    """Yield ``(item, fn(*shared, item))`` for each of `items`, as the cluster finishes them
    or, `in_order`, in the items' order (later results wait for earlier ones). `shared`
    arguments are sent to every worker once (scattered), not with each task; tasks still
    pending when the caller stops iterating are cancelled."""
    items = list(items)
    with client_for(scheduler, who) as client:
        from distributed import as_completed
        # in a list: scatter would send a dict's values one by one
        common = [client.scatter([v], broadcast=True)[0] for v in shared]
        futures = {client.submit(fn, *common, item, pure=False): n
                   for n, item in enumerate(items)}
        done, nxt, count = {}, 0, 0
        try:
            for fut in as_completed(futures):
                n, count = futures[fut], count + 1
                if not in_order:
                    yield items[n], _result(fut, who)
                    continue
                done[n] = _result(fut, who)
                while nxt in done:
                    yield items[nxt], done.pop(nxt)
                    nxt += 1
            if count < len(items):
                raise ClusterLost(f"{who}: {len(items) - count} of {len(items)} Dask tasks "
                                  "never finished; nothing was decided, run it again")
        finally:
            client.cancel(list(futures))


def _result(fut, who):
    """A task's result; its own exceptions pass as they are, the cluster's become
    `ClusterLost`."""
    from distributed import KilledWorker
    from distributed.client import FutureCancelledError
    from distributed.comm.core import CommClosedError
    try:
        return fut.result()
    except (KilledWorker, FutureCancelledError, CommClosedError) as exc:
        raise ClusterLost(f"{who}: the Dask cluster lost a task ({type(exc).__name__}); "
                          "nothing was decided, run it again") from None
