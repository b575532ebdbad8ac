"""Integrity of saved work: edited, stale, swapped or damaged records and chunks are refused
in one line naming the file; checkpoints come within seconds; Ctrl-C saves and exits 130."""
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from test_boundary import TRAJ, one_line_error

from eos_symbolic import EosError, get_model
from eos_symbolic.cli import main
from eos_symbolic.dynamics.sweep import grid_starts, run_sweep
from eos_symbolic.errors import Interrupted
from eos_symbolic.numeric.record import TrajectoryRecord
from eos_symbolic.numeric.trajectory import run_trajectory

ROOT = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------- integrity of records

@pytest.fixture(scope="module")
def record(tmp_path_factory):
    path = tmp_path_factory.mktemp("rec") / "r.json"
    run_trajectory(get_model("four-scalar"), "0.2", {"x": "2.5", "y": "0.2"}, 1000, dps=20,
                   every=100, out=path)
    return path


@pytest.mark.parametrize("edit, fragment", [
    (lambda d: d.update(step=6000000), "checksum does not match"),
    (lambda d: d["config"].update(eta="0.1"), "checksum does not match"),
    (lambda d: d.update(states=[]), "checksum does not match"),
    (lambda d: d.update(format="eos-symbolic-trajectory/1"), "older version"),
    (lambda d: d.pop("checksum"), "checksum does not match"),
])
def test_an_edited_record_is_refused(record, tmp_path, capsys, edit, fragment):
    data = json.loads(record.read_text())
    edit(data)
    bad = tmp_path / "r.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(EosError, match=fragment):
        TrajectoryRecord.load(bad)
    rc = main(["trajectory", "--out", str(bad), "--resume", "--steps", "2000", "--no-progress"])
    one_line_error(capsys, rc, str(bad))


def test_a_resealed_record_must_still_make_sense(record, tmp_path):
    """A record with a valid checksum (another program) is still checked for shape."""
    from eos_symbolic.saving import checksum
    data = json.loads(record.read_text())
    data["states"] = []
    data.pop("checksum")
    data["checksum"] = checksum(data)
    bad = tmp_path / "r.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(EosError, match="saved states for"):
        TrajectoryRecord.load(bad)


def test_first_checkpoint_comes_within_seconds(tmp_path):
    out = tmp_path / "r.json"
    proc = subprocess.Popen([sys.executable, "-m", "eos_symbolic", *TRAJ, "--steps",
                             "5000000", "--force", "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 30
        while not out.exists() and time.time() < deadline:
            time.sleep(0.2)
        assert out.exists(), "no checkpoint within 30 s of starting (imports included)"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130
    lines = err.decode().strip().splitlines()
    assert lines[-1].startswith("interrupted: interrupted at step") and "--resume" in lines[-1]
    rec = TrajectoryRecord.load(out)
    assert rec.status == "interrupted" and rec.step > 0


# ---------------------------------------------------------------- integrity of sweeps

@pytest.fixture
def sweep_setup(tmp_path):
    model = get_model("four-scalar")
    starts, shape = grid_starts(model, {"x": (1.5, 3.0, 20), "y": (0.2, 0.8, 20)})
    run = lambda eta=0.2, steps=2000, **kw: run_sweep(  # noqa: E731
        model, starts, [eta], steps, shape=shape, chunk=100, checkpoint=tmp_path,
        progress=False, **kw)
    return tmp_path, run


def test_stale_chunks_without_spec_are_refused(sweep_setup):
    folder, run = sweep_setup
    run()
    (folder / "spec.json").unlink()
    with pytest.raises(EosError, match="chunk_00000.npz belongs to another sweep"):
        run(eta=0.15, steps=3000)
    res = run()  # the same sweep still loads its own chunks
    assert res.chunks_loaded == 4 and res.chunks_computed == 0


def test_swapped_or_altered_chunks_are_refused(sweep_setup):
    folder, run = sweep_setup
    run()
    a, b = folder / "chunk_00000.npz", folder / "chunk_00001.npz"
    ra, rb = a.read_bytes(), b.read_bytes()
    a.write_bytes(rb)
    b.write_bytes(ra)
    with pytest.raises(EosError, match="holds chunk 1 of this sweep, not chunk 0"):
        run()
    a.write_bytes(ra)
    b.write_bytes(rb)
    with np.load(a) as z:
        data = {k: z[k] for k in z.files}
    data["status"][3] = 1 - data["status"][3]
    np.savez(a, **data)
    with pytest.raises(EosError, match="checksum does not match"):
        run()


def test_interrupted_sweep_saves_chunks_and_says_so(sweep_setup):
    folder, run = sweep_setup

    def stop(j):
        if j == 1:
            raise KeyboardInterrupt
    with pytest.raises(Interrupted, match="2 of 4 chunks done; they are saved in"):
        run(on_chunk=stop)
    assert len(list(folder.glob("chunk_*.npz"))) == 2
    assert run().chunks_loaded == 2


def test_sigint_during_sweep_exits_130_with_one_line(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "eos_symbolic", "sweep", "--eta", "0.2",
                             "--grid", "x=0.05:3.5:2048", "--grid", "y=0.05:3.5:1024",
                             "--steps", "100000", "--checkpoint", str(tmp_path), "--force",
                             "--no-progress"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 60
        while not list(tmp_path.glob("chunk_*.npz")) and time.time() < deadline:
            time.sleep(0.2)
        assert list(tmp_path.glob("chunk_*.npz")), "no chunk saved within 60 s"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    lines = err.decode().strip().splitlines()
    assert proc.returncode == 130 and len(lines) == 1, lines
    assert lines[0].startswith("interrupted: sweep stopped with") and "rerun" in lines[0]


def test_sigint_during_derive_exits_130_and_writes_nothing(tmp_path):
    out = tmp_path / "d"
    proc = subprocess.Popen([sys.executable, "-m", "eos_symbolic", "derive", "--model",
                             "two-scalar", "--model", "four-scalar", "--out", str(out)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        err = b""
        while b" s\n" not in err and proc.poll() is None:  # first model done: mid-run
            err += proc.stderr.read1(4096)
        proc.send_signal(signal.SIGINT)
        err += proc.communicate(timeout=60)[1]
    finally:
        proc.kill()
    last = err.decode().strip().splitlines()[-1]
    assert proc.returncode == 130, err
    assert last.startswith("interrupted: derive stopped after") and "nothing was written" in last
    assert not out.exists()
