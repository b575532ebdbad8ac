"""Proofs and re-checks spread over a Dask cluster: the scheduler address is checked, shared
arguments arrive whole, parts are proved and checkpointed as the cluster finishes them, and
the re-check's batches on a cluster find what they find here (a planted false chain too)."""
import copy
import json
from fractions import Fraction

import pytest

from eos_symbolic.claims.checks.concentration import stored_certificates
from eos_symbolic.cli import main
from eos_symbolic.cluster import client_for, run_on_cluster
from eos_symbolic.errors import EosError
from eos_symbolic.rigorous import concentration
from eos_symbolic.rigorous.recheck import _run, recheck_certificate

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    """Workers as threads of this process (fast to start; monkeypatches reach them)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.mark.parametrize("address", ["localhost:8786", "tcp://host", "http://h:1",
                                     "tcp://h:1; rm -rf /", 8786])
def test_a_malformed_scheduler_address_is_one_line_naming_the_command(address):
    with pytest.raises(EosError) as err:
        with client_for(address, "certify recheck"):
            pass
    msg = str(err.value)
    assert msg.startswith("certify recheck: --scheduler: expected an address") and "\n" not in msg


def _keys_of(shared, item):
    return sorted(shared), item * 2


def test_shared_arguments_arrive_whole_and_every_item_comes_back(client):
    """A dict is scattered as one object (scatter alone would send its values apart)."""
    got = dict(run_on_cluster(client, "test", _keys_of, [1, 2, 3], shared=({"a": 1, "b": 2},)))
    assert got == {1: (["a", "b"], 2), 2: (["a", "b"], 4), 3: (["a", "b"], 6)}


def _slow_first(item):
    import time
    time.sleep(0.3 if item == 0 else 0)
    return item


def test_in_order_results_wait_for_earlier_ones(client):
    assert [n for n, _ in run_on_cluster(client, "test", _slow_first, range(6),
                                         in_order=True)] == list(range(6))


def test_parts_proved_on_the_cluster_are_checkpointed_and_kept_in_order(client, tmp_path,
                                                                        monkeypatch):
    """Three x chunks as cluster tasks (`prove_part` stood in for): each finished part is
    saved, the certificate lists them in x order, and a rerun loads them all."""
    calls = []

    def fake_part(model, kr, xr, pr, *rest, log=None):
        calls.append(xr)
        return {"status": "proved", "x": [str(v) for v in xr], "limit": ["-1/8", "-1/9"]}

    monkeypatch.setattr(concentration, "prove_part", fake_part)
    ck = tmp_path / "parts.ckpt"
    args = ((Fraction(1, 10),) * 2, (Fraction(10), Fraction(11)),
            [(Fraction(1001, 1000), Fraction(1002, 1000))])
    cert = concentration.prove_concentration(*args, chunks=3, checkpoint=ck, scheduler=client)
    assert cert["status"] == "proved" and len(calls) == 3
    assert [p["x"][0] for p in cert["parts"]] == ["10", "31/3", "32/3"]
    assert len(json.loads(ck.read_text())["parts"]) == 3
    again = concentration.prove_concentration(*args, chunks=3, checkpoint=ck, scheduler=client)
    assert len(calls) == 3 and again["parts"] == cert["parts"]


@pytest.fixture(scope="module")
def eta25():
    (cert,) = [c for p, c in stored_certificates() if "1-25" in p.name]
    return cert


TASKS = [(0, "chains", 0, 2), (0, "capture", 0, 40), (1, "zone", 0, 40), (3, "chains", 5, 7)]


def test_recheck_batches_on_the_cluster_agree_with_this_process(client, eta25):
    here = dict(_run(eta25, 128, TASKS, 1))
    there = dict(_run(eta25, 128, TASKS, 1, scheduler=client))
    assert here == there == {t: None for t in TASKS}


def test_a_planted_false_chain_fails_on_the_cluster(client, eta25):
    """A start piece claimed to lie in K at once (no two-steps)."""
    bad = copy.deepcopy(eta25)
    bad["parts"][3]["chains"]["trees"][6] = [0, "K"]
    there = dict(_run(bad, 128, TASKS, 1, scheduler=client))
    assert there[(3, "chains", 5, 7)] == 6 and there[(0, "chains", 0, 2)] is None


def test_the_cluster_report_is_the_one_made_here(client, eta25):
    """Same check lines, in the same order, for a fail-fast re-check of an edited
    certificate (the chain of the first part's seventh piece claimed in K at once)."""
    bad = copy.deepcopy(eta25)
    bad["parts"][0]["chains"]["trees"][6] = [0, "K"]
    here = recheck_certificate(bad, fail_fast=True)
    there = recheck_certificate(bad, fail_fast=True, scheduler=client)
    assert not here.valid and here.checks == there.checks


def test_cli_recheck_on_a_scheduler_address_finds_a_planted_falsehood(eta25, tmp_path, capsys):
    """`certify recheck --scheduler tcp://...` with workers in their own processes: a
    capture cell's rho claimed smaller than the truth fails in the first batches."""
    bad = copy.deepcopy(eta25)
    cp = bad["parts"][0]["capture_proof"]
    cp["rho"] = str(1 - (1 - Fraction(cp["rho"])) * 10)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        code = main(["certify", "recheck", str(path), "--quiet", "--fail-fast",
                     "--scheduler", cluster.scheduler_address])
    out = capsys.readouterr().out
    assert code == 1 and "INVALID" in out and "FAIL" in out and "capture set" in out


def test_scheduler_and_processes_together_are_refused(tmp_path, capsys):
    path = tmp_path / "c.json"
    path.write_text("{}")
    assert main(["certify", "recheck", str(path), "--processes", "2",
                 "--scheduler", "tcp://localhost:8786"]) == 2
    assert "drop --processes" in capsys.readouterr().err


def _die(item):
    import os
    os._exit(1)


def test_a_lost_worker_is_an_error_not_a_verdict(eta25, monkeypatch):
    """A worker that dies is `ClusterLost` (one line), and the re-check passes it on
    instead of calling the certificate invalid."""
    import dask

    from eos_symbolic.errors import ClusterLost
    from eos_symbolic.rigorous import recheck
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                     dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as c:
        with pytest.raises(ClusterLost, match="^test: the Dask cluster lost a task"):
            list(run_on_cluster(c, "test", _die, [1]))

    def lost(*args, **kw):
        raise ClusterLost("certify recheck: the Dask cluster lost a task (KilledWorker)")
        yield

    monkeypatch.setattr(recheck, "run_on_cluster", lost)
    with pytest.raises(ClusterLost):
        recheck.recheck_certificate(eta25, scheduler="tcp://localhost:1")


def test_batches_a_runner_loses_leave_the_report_invalid(eta25, monkeypatch):
    """A runner that yields only some batches (and no error) cannot make a re-check valid."""
    from eos_symbolic.rigorous import recheck
    cert = copy.deepcopy(eta25)
    cert["parts"] = cert["parts"][:1]
    cert["x"] = [cert["parts"][0]["breaks"]["x"][0], cert["parts"][0]["breaks"]["x"][-1]]

    def none_back(cert, prec, tasks, processes, scheduler=None):
        return iter(())

    monkeypatch.setattr(recheck, "_run", none_back)
    rep = recheck.recheck_certificate(cert)
    assert not rep.valid and rep.checks[-1]["check"] == "batches"
