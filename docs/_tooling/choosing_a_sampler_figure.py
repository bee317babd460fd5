"""Draw docs/images/pt-vs-mala.png, the picture of docs/guides/choosing-a-sampler.md.

Run from the repository root: ``.venv/bin/python docs/_tooling/choosing_a_sampler_figure.py``
(about a minute on one CPU core). Same target and settings as the guide's example, with
more chains for smooth histograms.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

import ebm_core  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "images" / "pt-vs-mala.png"
MEANS, WEIGHTS = [-10.0, 0.0, 10.0], [0.2, 0.5, 0.3]


def main() -> None:
    torch.set_num_threads(1)
    energy = ebm_core.energy("gaussian_mixture", means=[[m] for m in MEANS], weights=WEIGHTS)
    start = -10 + torch.randn(400, 1, generator=torch.Generator().manual_seed(0))
    run = dict(n_steps=500, burn_in=250, return_trajectory=True)
    mala = ebm_core.sampler("mala", energy)
    mala = mala.run(start, generator=torch.Generator().manual_seed(1), **run)
    pt = ebm_core.sampler("parallel_tempering", energy, base="mala", n_replicas=4, beta_min=0.02)
    tempered = pt.run(start, generator=torch.Generator().manual_seed(1), **run)

    grid = torch.linspace(-15, 15, 600)
    density = sum(
        w * torch.exp(-0.5 * (grid - m) ** 2) / math.sqrt(2 * math.pi)
        for m, w in zip(MEANS, WEIGHTS)
    )
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True)
    panels = (("mala alone", mala), ("parallel_tempering (base mala, 4 replicas)", tempered))
    for ax, (title, result) in zip(axes, panels):
        x = result.trajectory[..., 0].reshape(-1).numpy()
        ax.hist(x, bins=120, range=(-15, 15), density=True, color="tab:blue", alpha=0.6,
                label="samples")
        ax.plot(grid.numpy(), density.numpy(), color="black", lw=1.2, label="exact density")
        ax.axvline(-10, color="tab:red", lw=0.8, ls="--", label="every chain starts here")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("x")
    axes[0].set_ylabel("density")
    axes[0].legend(fontsize=8, loc="upper right")
    fig.suptitle("Mixture 0.2·N(−10, 1) + 0.5·N(0, 1) + 0.3·N(10, 1)", fontsize=11)
    fig.tight_layout()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, dpi=110)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
