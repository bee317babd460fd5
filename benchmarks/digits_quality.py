"""Digits (8×8) quality: test NLL by AIS and OOD AUROCs of trained EBMs beside exact baselines.

Convention: x = (pixel + u) / 17 with u ~ U[0, 1) (the ``digits`` data set's default, one fixed
dequantisation of each image), the fixed split ``train_test_split(test_size=0.3, random_state=0)``;
NLL in nats per image (64-D density of x). Baselines with exact log Z: the maximum-likelihood
full-covariance Gaussian of the training set, and (for a recipe ``…@K``) a K-component
full-covariance Gaussian mixture (scikit-learn, ``reg_covar=1e-3``). Each trained model is
``E(x) = E_base(x) + f_θ(x)`` — the base's energy (Gaussian, or the K-component mixture for
``…@K``) plus an MLP whose output layer starts at zero, so training starts at the base's NLL. Its
log Z comes from AIS with that base as the AIS base distribution; AIS is first checked on the
Gaussian energy itself, whose log Z is exact. The model evaluated is the EMA of the parameters.

Recipes: ``nce:R`` (NCE against the base as noise, R noise draws per data point),
``dsm:SIGMA`` (denoising score matching), ``pcd:STEP`` / ``pcdmala:STEP`` (persistent CD with
Langevin / MALA negatives), each optionally ``@K``.

Run: ``python -m benchmarks.digits_quality --recipes nce:4@10 --steps 2000``.
"""

from __future__ import annotations

import argparse
import math
import time

import torch
from torch import nn

import ebm_core
from ebm_core.evaluation import ood_metrics
from ebm_core.training import Trainer

OOD_KINDS = ("noise", "permuted", "photo_patches", "vflip", "hflip")


class MixtureOfGaussians(ebm_core.Energy):
    """E(x) = −log Σₖ πₖ N(x; μₖ, Σₖ) (full covariances): log Z = 0, exact samples."""

    def __init__(self, weights, means, covariances) -> None:
        means = torch.as_tensor(means, dtype=torch.float64)
        super().__init__(event_shape=(means.shape[1],))
        covariances = torch.as_tensor(covariances, dtype=torch.float64)
        scale = torch.linalg.cholesky(covariances)
        self.register_buffer("log_weights", torch.as_tensor(weights, dtype=torch.float64).log())
        self.register_buffer("means", means)
        self.register_buffer("scale", scale)
        self.register_buffer("inv_scale", torch.linalg.inv(scale))
        self.register_buffer("log_norm", -scale.diagonal(dim1=-2, dim2=-1).log().sum(-1)
                             - 0.5 * means.shape[1] * math.log(2 * math.pi))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.check_input(x)
        z = torch.einsum("kij,bkj->bki", self.inv_scale.to(x), x[:, None, :] - self.means.to(x))
        log_p = self.log_weights.to(x) + self.log_norm.to(x) - 0.5 * (z * z).sum(-1)
        return -torch.logsumexp(log_p, dim=-1)

    def log_partition(self) -> torch.Tensor:
        return torch.zeros((), dtype=torch.float64)

    def sample_exact(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        k = torch.multinomial(self.log_weights.exp(), n, replacement=True, generator=generator)
        eps = torch.randn(n, self.means.shape[1], dtype=torch.float64, generator=generator)
        x = self.means[k] + torch.einsum("bij,bj->bi", self.scale[k], eps)
        return x.to(torch.get_default_dtype())


class BasePlusMLP(ebm_core.Energy):
    """E(x) = E_base(x) + f_θ(x); f_θ an MLP whose output layer starts at zero."""

    def __init__(self, base: ebm_core.Energy, hidden=(256, 256)) -> None:
        dim = base.event_shape[0]
        super().__init__(event_shape=(dim,))
        self.base = base.requires_grad_(False)
        layers: list[nn.Module] = []
        for w_in, w_out in zip([dim, *hidden], hidden):
            layers += [nn.Linear(w_in, w_out), nn.SiLU()]
        layers.append(nn.Linear(hidden[-1], 1))
        nn.init.zeros_(layers[-1].weight)
        nn.init.zeros_(layers[-1].bias)
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.check_input(x)
        return self.base(x) + self.net(x.float()).squeeze(-1).to(x.dtype)


def fit_mixture(x: torch.Tensor, k: int, seed: int = 0) -> MixtureOfGaussians:
    from sklearn.mixture import GaussianMixture

    gmm = GaussianMixture(k, covariance_type="full", random_state=seed, reg_covar=1e-3)
    gmm.fit(x.double().numpy())
    return MixtureOfGaussians(gmm.weights_, gmm.means_, gmm.covariances_)


def fixed(name: str, **kwargs) -> torch.Tensor:
    """Every example of a data set once, dequantised with a fixed seed, flattened, float32."""
    data = ebm_core.dataset(name, flatten=True, **kwargs)
    return data.tensors(generator=torch.Generator().manual_seed(123))[0].float()


def gaussian_fit(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    x = x.double()
    mean = x.mean(0)
    cov = torch.cov(x.T, correction=0)
    return mean, cov


def gaussian_nll(x: torch.Tensor, mean: torch.Tensor, cov: torch.Tensor) -> torch.Tensor:
    dist = torch.distributions.MultivariateNormal(mean, covariance_matrix=cov)
    return -dist.log_prob(x.double())


def ais_log_z(energy, base, n_chains: int, n_temperatures: int, seed: int = 0):
    ais = ebm_core.estimator("ais", energy, base=base, n_chains=n_chains,
                             n_temperatures=n_temperatures, sampler="hmc",
                             sampler_kwargs={"step_size": 0.01, "n_leapfrog": 5}, adapt=True)
    return ais.estimate(generator=torch.Generator().manual_seed(seed))


def nll_with_se(energy, x: torch.Tensor, est) -> tuple[float, float]:
    with torch.no_grad():
        e = energy(x).double()
    mean_nll = float(e.mean()) + est.log_z
    se = math.sqrt(float(e.var()) / len(e) + est.stderr ** 2)
    return mean_nll, se


def paired_gain(energy, x: torch.Tensor, est, gauss_nll: torch.Tensor) -> tuple[float, float]:
    """Mean over test points of NLL_model − NLL_gauss; SE over paired points plus AIS's SE."""
    with torch.no_grad():
        diff = energy(x).double() + est.log_z - gauss_nll
    return float(diff.mean()), math.sqrt(float(diff.var()) / len(diff) + est.stderr ** 2)


def aurocs(energy, test_x: torch.Tensor, ood: dict) -> dict:
    with torch.no_grad():
        s_in = energy(test_x).double()
        return {k: float(ood_metrics(s_in, energy(v).double()).auroc) for k, v in ood.items()}


def train(recipe: str, energy: BasePlusMLP, base, train_x: torch.Tensor, steps: int, seed: int):
    """Train ``energy`` in place with one recipe; returns the (EMA) energy to evaluate."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    kind, _, option = recipe.partition(":")
    ema, wd, lr = 0.995, 1e-4, 1e-3
    if kind == "nce":
        loss = ebm_core.loss("nce", energy, noise=base, noise_ratio=int(option or 4), generator=g)
    elif kind == "dsm":
        loss = ebm_core.loss("denoising_score_matching", energy, sigma=float(option or 0.02),
                             generator=g)
    elif kind in ("pcd", "pcdmala"):
        sampler = "mala" if kind == "pcdmala" else "langevin"
        kwargs = {"step_size": float(option or 1e-3)}
        loss = ebm_core.loss("cd", energy, sampler=sampler, persistent=True, k=20, start="data",
                             buffer_size=5000, reinit_fraction=0.05, alpha=0.01,
                             sampler_kwargs=kwargs, generator=g)
    else:
        raise ValueError(f"unknown recipe {recipe!r}")
    trainer = Trainer(loss, data=train_x, batch_size=128, lr=lr, seed=seed, ema_decay=ema,
                      progress=False,
                      optimizer=lambda params: torch.optim.AdamW(params, lr=lr, weight_decay=wd))
    trainer.fit(steps)
    return trainer.ema.averaged, trainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", default="nce:4@10")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--chains", type=int, default=256)
    parser.add_argument("--temperatures", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(2)

    train_x, test_x = fixed("digits", split="train"), fixed("digits", split="test")
    ood = {k: fixed("ood", kind=k, of="digits") for k in OOD_KINDS}
    mean, cov = gaussian_fit(train_x)
    gauss = ebm_core.energy("gaussian", mean=mean.float(), covariance=cov.float())
    gauss64 = ebm_core.energy("gaussian", mean=mean, covariance=cov)
    g_nll = gaussian_nll(test_x, mean, cov)
    exact, exact_se = float(g_nll.mean()), float(g_nll.std()) / math.sqrt(len(g_nll))
    ood64 = {k: v.double() for k, v in ood.items()}
    gauss_aurocs = aurocs(gauss64, test_x.double(), ood64)
    rows = [("gaussian (exact log Z)", exact, exact_se, 0.0, 0.0, gauss_aurocs, 0.0)]

    # Sanity check: AIS on the Gaussian energy itself (base: a Gaussian fitted to half the
    # training set) recovers its exact log Z.
    t0 = time.time()
    check = ebm_core.estimator("ais", gauss, samples=train_x[::2], n_chains=args.chains,
                               n_temperatures=args.temperatures, sampler="hmc",
                               sampler_kwargs={"step_size": 0.01, "n_leapfrog": 5}, adapt=True
                               ).estimate(generator=torch.Generator().manual_seed(args.seed))
    true_log_z = float(gauss.log_partition())
    z = (check.log_z - true_log_z) / check.stderr
    print(f"AIS check on the Gaussian: log Z = {check.log_z:.3f} ± {check.stderr:.3f} "
          f"(exact {true_log_z:.3f}, z = {z:+.1f}), ESS {check.ess:.0f}, {time.time() - t0:.0f} s",
          flush=True)

    mixtures = {}
    for k in sorted({int(r.split("@")[1]) for r in args.recipes.split(",") if "@" in r}):
        t0 = time.time()
        mixtures[k] = fit_mixture(train_x, k, args.seed)
        m_nll = mixtures[k](test_x.double())
        rows.append((f"{k}-component full-covariance GMM (exact)", float(m_nll.mean()),
                     float(m_nll.std()) / math.sqrt(len(m_nll)), float((m_nll - g_nll).mean()),
                     float((m_nll - g_nll).std()) / math.sqrt(len(m_nll)),
                     aurocs(mixtures[k], test_x.double(), ood64), time.time() - t0))

    for recipe in args.recipes.split(","):
        t0 = time.time()
        recipe_name, _, k = recipe.partition("@")
        base = mixtures[int(k)] if k else gauss
        model, _ = train(recipe_name, BasePlusMLP(base), base, train_x, args.steps, args.seed)
        seconds = time.time() - t0
        est = ais_log_z(model, base, args.chains, args.temperatures, args.seed)
        nll, se = nll_with_se(model, test_x, est)
        gain, gain_se = paired_gain(model, test_x, est, g_nll)
        rows.append((f"{recipe} ({args.steps} steps)", nll, se, gain, gain_se,
                     aurocs(model, test_x, ood), seconds))
        print(f"{recipe}: NLL {nll:.2f} ± {se:.2f} (vs Gaussian {gain:+.2f} ± {gain_se:.2f}; "
              f"AIS log Z {est.log_z:.2f} ± {est.stderr:.2f}, ESS {est.ess:.0f}), "
              f"train {seconds:.0f} s", flush=True)

    print()
    print("| recipe | test NLL (nats/image) | − Gaussian's (paired) | AUROC "
          + " | ".join(OOD_KINDS) + " | train s |")
    print("|---|---|---|" + "---|" * len(OOD_KINDS) + "---|")
    for name, nll, se, gain, gain_se, auc, seconds in rows:
        print(f"| {name} | {nll:.2f} ± {se:.2f} | {gain:+.2f} ± {gain_se:.2f} | "
              + " | ".join(f"{auc[k]:.3f}" for k in OOD_KINDS)
              + f" | {seconds:.0f} |")


if __name__ == "__main__":
    main()
