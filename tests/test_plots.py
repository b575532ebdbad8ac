"""Figures a reader can read: every panel labelled, no overlapping tick labels (checked on
the laid-out figure through matplotlib's text extents), the approach to 2/eta visible in
F2a, a key on basin plots. Every figure saved during the test suite passes the same check:
pyproject turns `FigureWarning` into an error."""
import warnings

import numpy as np
import pytest

from eos_symbolic.dynamics import figures, plots
from eos_symbolic.dynamics.plots import FigureWarning, figure_problems, plt, save_figure


def test_planted_unreadable_figure_is_caught(tmp_path):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 200000], [0, 1])
    ax.set_xticks(np.arange(0, 200001, 20000))  # six-digit labels, 11 of them in 3 inches
    problems = figure_problems(fig)
    assert "panel 1: no x-axis label" in problems and "panel 1: no y-axis label" in problems
    assert any("x tick labels" in p and "overlap" in p for p in problems)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FigureWarning)
        with pytest.raises(FigureWarning, match="overlap"):
            save_figure(fig, tmp_path / "bad.png")


def test_labelled_figure_passes_and_shared_axes_need_one_label():
    fig, axes = plt.subplots(2, 1, sharex=True, figsize=(4, 4))
    for ax in axes:
        ax.plot([0, 1], [0, 1])
        ax.set_ylabel("y")
    axes[1].set_xlabel("x")
    fig.tight_layout()
    assert figure_problems(fig) == []
    plt.close(fig)


@pytest.fixture
def drawn(monkeypatch):
    """The figures the plot functions would save, kept open for inspection."""
    kept = []

    def keep(fig, path, dpi=110):
        fig.tight_layout()
        assert figure_problems(fig) == []
        kept.append(fig)
        return path
    monkeypatch.setattr(figures, "save_figure", keep)
    yield kept
    for fig in kept:
        plt.close(fig)


def test_adaptivity_steps_on_a_log_axis(drawn, tmp_path):
    t = np.arange(0, 20001)
    runs = [{"eta": eta, "two_over_eta": 2 / eta, "steps": t,
             "loss": np.exp(-t / 300.0), "sharpness": 2 / eta - np.exp(-t / 100.0),
             "trajectory": np.c_[2 + np.exp(-t / 100.0), 0.5 + 0 * t]}
            for eta in (0.25, 0.2)]
    figures.plot_adaptivity(runs, "four-scalar", tmp_path / "F2a_adaptivity")
    loss, sharpness, _ = drawn[0].axes
    assert loss.get_xscale() == "log" and sharpness.get_xscale() == "log"
    assert "sharpness" in sharpness.get_ylabel() and "loss" in loss.get_ylabel()


def test_basin_has_a_key(drawn, tmp_path):
    lab = np.add.outer(np.arange(64), np.arange(64)) % 7 < 3
    bb = {"labels": lab, "extent": [3.0, 3.4, 0.1, 0.5], "eta": 0.2,
          "box_counting": {"dimension": 1.6, "interval": [1.5, 1.7]}}
    zoom = (lab[:32, :32], ((3.2, 3.3), (0.3, 0.4)), {"dimension": 1.6})
    figures.plot_basin(bb, [zoom], tmp_path / "F7a_basin")
    key = drawn[0].axes[0].get_legend()
    assert key is not None
    assert [t.get_text() for t in key.get_texts()][:2] == ["converges", "diverges or undecided"]


def test_long_step_axis_keeps_ticks_apart(drawn, tmp_path):
    steps = np.arange(0, 200001, 2)
    tr = {"steps": steps, "x": 10 + np.exp(-steps / 3e4), "y": 0.1 + 0 * steps}
    figures.plot_trajectory_7b(tr, tmp_path / "F7b_trajectory")
    assert drawn[0].axes[0].get_ylabel()
    assert plots.figure_problems(drawn[0]) == []
