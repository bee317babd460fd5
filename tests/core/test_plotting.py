"""Plots say what they show: labelled axes, a colorbar naming the density, no panel for a
metric that never changes, no warning a user cannot act on, the usual file mode."""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch

import ebm_core
from ebm_core import plotting


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every figure the plotting functions save, kept for inspection."""
    saved: list[Any] = []
    real_save = plotting._save

    def keep(fig: Any, path: str | Path) -> Path:
        saved.append(fig)
        return real_save(fig, path)

    monkeypatch.setattr(plotting, "_save", keep)
    return saved


def _labelled_axes(fig: Any) -> list[Any]:
    return [ax for ax in fig.axes if ax.get_visible() and ax.axison]


def test_landscape_has_axis_labels_colorbar_and_no_truncation_warning(tmp_path: Path, figures) -> None:
    energy = ebm_core.energy("double_well")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the window (-1.5, 1.5) cuts off density: a picture needs no warning
        plotting.plot_landscape(energy, tmp_path / "l.png", bounds=((-1.5, 1.5), (-1.5, 1.5)), n=40,
                                samples=torch.randn(50, 2))
    (fig,) = figures
    main, colorbar = fig.axes
    assert (main.get_xlabel(), main.get_ylabel()) == ("x₁", "x₂")
    assert colorbar.get_ylabel() == "density exp(−E)/Z"
    assert "exp(−E)/Z" in main.get_title()
    assert (tmp_path / "l.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_data_vs_samples_axes_are_labelled(tmp_path: Path, figures) -> None:
    plotting.plot_data_vs_samples(torch.randn(30, 2), torch.randn(40, 2), tmp_path / "s.png")
    (fig,) = figures
    left, right = fig.axes
    assert (left.get_xlabel(), left.get_ylabel(), right.get_xlabel()) == ("x₁", "x₂", "x₁")
    assert left.get_title() == "held-out data (30 points)" and right.get_title() == "model samples (40 points)"


def _records(n: int) -> list[dict[str, float]]:
    return [
        {"step": 10 * i, "loss": 1.0 / i, "acceptance_rate": 1.0, "n_divergent": 0.0, "my_metric": float(i % 3)}
        for i in range(1, n + 1)
    ]


@pytest.mark.parametrize("n", [8, 300], ids=["few records", "many records (running mean)"])
def test_curves_drop_constant_metrics_and_label_every_panel(tmp_path: Path, figures, n: int) -> None:
    plotting.plot_curves(_records(n), tmp_path / "c.png")
    (fig,) = figures
    panels = _labelled_axes(fig)
    titles = [ax.get_title() for ax in panels]
    assert titles == ["training loss", "my_metric"]  # known metrics first, no constant panels
    for ax in panels:
        assert ax.get_xlabel() == "training step" and ax.get_ylabel()
    footnote = " ".join(text.get_text() for text in fig.texts)
    assert "acceptance_rate = 1" in footnote and "n_divergent = 0" in footnote
    legends = [ax.get_legend() for ax in panels]
    assert all(legend is not None for legend in legends) == (n == 300)  # running mean on long series


def test_a_metric_evaluated_once_is_a_footnote_not_a_panel(tmp_path: Path, figures) -> None:
    records = [{"step": s, "loss": 1.0 / s} for s in range(1, 10)] + [{"step": 9, "nll": 2.5}]
    plotting.plot_curves(records, tmp_path / "c.png")
    (fig,) = figures
    assert [ax.get_title() for ax in _labelled_axes(fig)] == ["training loss"]
    assert "nll = 2.5" in " ".join(text.get_text() for text in fig.texts)


def test_curves_label_energies_and_nll_in_nats(tmp_path: Path, figures) -> None:
    records = [{"step": s, "energy_data": -s / 10, "nll": 3 - s / 10} for s in range(1, 6)]
    plotting.plot_curves(records, tmp_path / "c.png")
    (fig,) = figures
    labels = {ax.get_title(): ax.get_ylabel() for ax in _labelled_axes(fig)}
    assert labels == {
        "held-out negative log-likelihood (exact)": "NLL (nats per point)",
        "mean energy of the data batch": "E (nats)",
    }


def test_curves_of_only_constant_metrics_still_plot_them(tmp_path: Path, figures) -> None:
    plotting.plot_curves([{"step": s, "acceptance_rate": 1.0} for s in range(5)], tmp_path / "c.png")
    (fig,) = figures
    assert [ax.get_title() for ax in _labelled_axes(fig)] == ["sampler acceptance rate (negatives)"]


def test_running_mean_skips_non_finite_values() -> None:
    assert plotting._running_mean([1.0, float("nan"), 3.0, 5.0], 2) == [1.0, 1.0, 3.0, 4.0]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_plots_get_the_usual_file_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = plotting.plot_curves(_records(4), tmp_path / "c.png")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
