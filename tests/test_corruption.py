"""The standing corruption test: every saved file type, mutated byte by byte.

Each mutated file must be refused with one `EosError` line or load to exactly the data that
was saved (a harmless change, such as the modification time inside a zip header); a file
that loads with other data would be silently wrong and fails the test, as does any other
exception. Default: a spread of positions per file; ``-m slow``: every byte, two ways.
Counts are printed (``pytest -s``).
"""
from collections import Counter

import numpy as np
import pytest

from eos_symbolic import EosError, get_model
from eos_symbolic.dynamics.sweep import _spec_hash, grid_starts, load_chunk, run_sweep
from eos_symbolic.numeric.record import TrajectoryRecord
from eos_symbolic.numeric.trajectory import run_trajectory

SMALL = 120  # positions per file in the default run


def record_loader(path):
    return TrajectoryRecord.load(path)


def same_record(a, b):
    return a == b


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """(name, path, load, same) for every saved file type."""
    d = tmp_path_factory.mktemp("saved")
    model = get_model("four-scalar")
    files = []
    for ext in ("json", "npz"):
        p = d / f"record.{ext}"
        run_trajectory(model, "0.2", {"x": "2.5", "y": "0.2"}, 200, dps=20, every=50, out=p)
        files.append((f"trajectory record .{ext}", p, record_loader, same_record))
    starts, shape = grid_starts(model, {"x": (2.0, 2.5, 8), "y": (0.2, 0.3, 8)})
    sweep = d / "sweep"
    run_sweep(model, starts, [0.2], 500, shape=shape, chunk=32, checkpoint=sweep,
              progress=False)
    key = _spec_hash(model, starts, [0.2], 500, 500, 1e6, 1e-13, 32)
    chunk = sweep / "chunk_00001.npz"
    files.append(("sweep chunk .npz", chunk, lambda p: load_chunk(p, key, 1, (0, 32, 64), 2),
                  lambda a, b: all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)))

    def load_spec(p):
        # the whole sweep again from the folder holding the mutated spec.json
        return run_sweep(model, starts, [0.2], 500, shape=shape, chunk=32, checkpoint=p.parent,
                         progress=False).status
    files.append(("sweep spec.json", sweep / "spec.json", load_spec, np.array_equal))
    return files


def mutations(size, every_byte):
    """(position, xor mask) pairs: every byte twice, or a spread of `SMALL` positions."""
    if every_byte:
        return [(i, m) for i in range(size) for m in (0x01, 0xFF)]
    step = max(1, size // SMALL)
    return [(i, 0x01 if (i // step) % 2 else 0x5A) for i in range(0, size, step)]


def run(saved, tmp_path, every_byte):
    for name, path, load, same in saved:
        original_bytes = path.read_bytes()
        reference = load(path)
        counts = Counter()
        try:
            for pos, mask in mutations(len(original_bytes), every_byte):
                data = bytearray(original_bytes)
                data[pos] ^= mask
                path.write_bytes(bytes(data))
                try:
                    got = load(path)
                except EosError as exc:
                    assert "\n" not in str(exc)
                    counts["refused"] += 1
                    continue
                assert same(got, reference), f"{name}: byte {pos} ^ {mask:#x} loaded silently"
                counts["harmless"] += 1
        finally:
            path.write_bytes(original_bytes)
        print(f"\n{name}: {sum(counts.values())} mutations of {len(original_bytes)} bytes, "
              f"{counts['refused']} refused in one line, {counts['harmless']} harmless "
              "(identical data), 0 silently accepted, 0 tracebacks")
        assert counts["refused"] > 0


def test_mutated_saved_files_are_refused(saved, tmp_path):
    run(saved, tmp_path, every_byte=False)


@pytest.mark.slow
def test_every_byte_of_every_saved_file(saved, tmp_path):
    run(saved, tmp_path, every_byte=True)


def test_truncated_and_empty_files_are_refused(saved):
    for name, path, load, _ in saved:
        original = path.read_bytes()
        try:
            for cut in (0, 1, len(original) // 2, len(original.rstrip()) - 1):
                path.write_bytes(original[:cut])
                with pytest.raises(EosError):
                    load(path)
        finally:
            path.write_bytes(original)
