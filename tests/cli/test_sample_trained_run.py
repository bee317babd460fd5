"""``ebm sample --checkpoint``: sample the energy a tiny ``ebm train`` run learned, with its EMA
weights and its own sampler settings (saved state included) as defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ebm_core.cli import components
from ebm_core.cli.main import main
from ebm_core.training.checkpoint import load_checkpoint, save_checkpoint

TINY_TRAIN = [
    "train", "--energy", "mlp", "--loss", "pcd", "--no-progress", "--steps", "20", "--batch-size", "32",
    "--set", "energy.hidden=[16, 16]", "--set", "loss.k=3", "--set", "loss.buffer_size=64",
    "--set", "eval_every=20", "--set", "eval_samples=64", "--set", "eval_steps=5",
    "--set", "heldout=64", "--set", "ema_decay=0.9",
]
FAST = ["--n", "64", "--steps", "20", "--no-progress"]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run")
    assert main([*TINY_TRAIN, "--out", str(out)]) == 0
    return out


@pytest.fixture
def built(monkeypatch) -> dict:
    """The energy and sampler the command builds, captured on their way in."""
    seen: dict = {}
    build_sampler = components.build_sampler

    def capture(config, energy):
        seen["energy"], seen["sampler"] = energy, build_sampler(config, energy)
        return seen["sampler"]

    monkeypatch.setattr(components, "build_sampler", capture)
    return seen


def test_checkpoint_sampling_uses_the_ema_weights_and_the_runs_sampler(run: Path, built, tmp_path, capsys) -> None:
    out = tmp_path / "m.pt"
    assert main(["sample", "--checkpoint", str(run / "checkpoint.pt"), *FAST, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "'mlp' trained by" in printed and "(step 20, EMA weights)" in printed and "'langevin'" in printed
    state = load_checkpoint(run / "checkpoint.pt")
    ema = state["ema"]["averaged"]
    last = {k[len("energy."):]: v for k, v in state["ranks"][0]["loss"].items() if k.startswith("energy.")}
    weights = built["energy"].state_dict()
    assert weights.keys() == ema.keys()
    assert all(torch.equal(weights[k], ema[k]) for k in ema)
    assert not all(torch.equal(ema[k], last[k]) for k in ema), "EMA and last iterate must differ here"
    assert type(built["sampler"]).__name__ == "Langevin" and built["sampler"].step_size == 0.01
    samples = torch.load(out, weights_only=True)
    assert samples.shape[1:] == (2,) and torch.isfinite(samples).all()


@pytest.mark.parametrize("where", ["{run}", "{run}/checkpoint.pt"])
def test_a_run_path_where_an_energy_name_is_expected(run: Path, tmp_path, where) -> None:
    a, b = tmp_path / "a.pt", tmp_path / "b.pt"
    assert main(["sample", "--checkpoint", str(run), *FAST, "--out", str(a)]) == 0
    assert main(["sample", where.format(run=run), *FAST, "--out", str(b)]) == 0
    assert torch.equal(torch.load(a, weights_only=True), torch.load(b, weights_only=True))


def test_the_runs_saved_sampler_state_is_loaded_unless_overridden(run: Path, tmp_path, capsys) -> None:
    """A tuned step size saved in the checkpoint (here planted: 0.0123) is the default; an
    explicit ``--set sampler.step_size`` wins over it."""
    state = load_checkpoint(run / "checkpoint.pt")
    state["ranks"][0]["sampler"] = {"step_size": 0.0123}
    tuned = tmp_path / "tuned"
    tuned.mkdir()
    state.pop("format")
    save_checkpoint(tuned / "checkpoint.pt", state)
    (tuned / "config.json").write_bytes((run / "config.json").read_bytes())
    assert main(["sample", str(tuned), *FAST, "--burn-in", "0", "--out", str(tmp_path / "a.pt")]) == 0
    assert "step size 0.0123" in capsys.readouterr().out
    assert main(["sample", str(tuned), *FAST, "--burn-in", "0", "--set", "sampler.step_size=0.02",
                 "--out", str(tmp_path / "b.pt")]) == 0
    assert "step size 0.02" in capsys.readouterr().out


def test_plot_over_the_learned_density(run: Path, tmp_path) -> None:
    plot = tmp_path / "m.png"
    assert main(["sample", str(run), *FAST, "--out", str(tmp_path / "m.npy"), "--plot", str(plot)]) == 0
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--checkpoint", "{tmp}/nowhere/checkpoint.pt"], "does not exist"),
        (["{tmp}"], "holds no checkpoint.pt"),
        (["--checkpoint", "{run}", "--set", "energy.hidden=[8]"], "do not fit the energy built from"),
        (["{run}", "--checkpoint", "{run}"], "not both"),
        ([], "name an energy"),
        (["--checkpoint", "{tmp}/text.pt"], "not a PyTorch file"),
    ],
)
def test_errors(run: Path, tmp_path: Path, capsys, args, message) -> None:
    (tmp_path / "text.pt").write_text("not a checkpoint")
    args = [a.format(run=run, tmp=tmp_path) for a in args]
    out = tmp_path / "never.pt"
    assert main(["sample", *args, *FAST, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_missing_config_is_named(run: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "checkpoint.pt").write_bytes((run / "checkpoint.pt").read_bytes())
    assert main(["sample", str(tmp_path), *FAST, "--out", str(tmp_path / "x.pt")]) == 2
    assert "no config.json beside" in capsys.readouterr().err


def test_a_bare_run_folder_name_is_a_run_but_an_empty_folder_does_not_shadow_an_energy(
    run: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(run.parent)
    assert main(["sample", run.name, *FAST, "--out", str(tmp_path / "a.pt")]) == 0
    assert "'mlp' trained by" in capsys.readouterr().out
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gaussian").mkdir()
    assert main(["sample", "gaussian", *FAST, "--out", str(tmp_path / "g.pt")]) == 0
    assert "samples of 'gaussian' with 'hmc'" in capsys.readouterr().out


def test_init_buffer_continues_the_runs_persistent_chains(run: Path, tmp_path: Path) -> None:
    """``--init buffer``: every chain starts at its own state of the run's replay buffer (with a
    step of 1e-12 the samples stay there); ``--init noise`` does not start there."""
    buffer = load_checkpoint(run / "checkpoint.pt")["ranks"][0]["loss"]["buffer.samples"]
    frozen = ["--n", "16", "--steps", "8", "--burn-in", "0", "--set", "sampler.step_size=1e-12", "--no-progress"]
    for init, expect_in_buffer in (("buffer", True), ("noise", False)):
        out = tmp_path / f"{init}.pt"
        assert main(["sample", str(run), "--init", init, *frozen, "--out", str(out)]) == 0
        samples = torch.load(out, weights_only=True)
        nearest = torch.cdist(samples, buffer.to(samples), compute_mode="donot_use_mm_for_euclid_dist").min(dim=1)
        assert bool((nearest.values < 1e-4).all()) is expect_in_buffer
        if expect_in_buffer:
            assert nearest.indices.unique().numel() == 16, "each chain starts at a different buffer state"
            assert not torch.equal(nearest.indices.sort().values, torch.arange(16)), "drawn at random, not the first 16"


def _planted(run: Path, folder: Path, change) -> Path:
    """A copy of ``run`` whose checkpoint state went through ``change(state)``."""
    state = load_checkpoint(run / "checkpoint.pt")
    state.pop("format")
    change(state)
    folder.mkdir()
    save_checkpoint(folder / "checkpoint.pt", state)
    (folder / "config.json").write_bytes((run / "config.json").read_bytes())
    return folder


def test_init_buffer_draws_from_every_ranks_buffer(run: Path, tmp_path: Path) -> None:
    """A data-parallel run keeps one buffer per rank: all of them are drawn from (here a second
    rank planted with the first rank's states shifted by 100)."""
    def second_rank(state):
        other = {**state["ranks"][0], "loss": dict(state["ranks"][0]["loss"])}
        other["loss"]["buffer.samples"] = other["loss"]["buffer.samples"] + 100.0
        state["ranks"].append(other)
    two_ranks = _planted(run, tmp_path / "two_ranks", second_rank)
    out = tmp_path / "s.pt"
    assert main(["sample", str(two_ranks), "--init", "buffer", "--n", "128", "--steps", "4", "--burn-in", "0",
                 "--set", "sampler.step_size=1e-12", "--no-progress", "--out", str(out)]) == 0
    samples = torch.load(out, weights_only=True)
    assert int((samples.norm(dim=1) > 50).sum()) == 64


def test_init_buffer_errors(run: Path, tmp_path: Path, capsys) -> None:
    bufferless = _planted(run, tmp_path / "bufferless", lambda state: state["ranks"][0]["loss"].pop("buffer.samples"))

    def poison(state):
        state["ranks"][0]["loss"]["buffer.samples"][3] = float("nan")
    poisoned = _planted(run, tmp_path / "poisoned", poison)

    def widen(state):  # a buffer of other events, as a conv run gets with --set energy.event_shape=…
        state["ranks"][0]["loss"]["buffer.samples"] = torch.zeros(64, 3)
    mismatched = _planted(run, tmp_path / "mismatched", widen)
    out = tmp_path / "never.pt"
    cases = [
        ([str(run), "--n", "65"], "--n 65 is more than the 64 chains in the replay buffer"),
        ([str(run), "--n", "8", "--init-scale", "2"], "leave --init-scale out"),
        ([str(bufferless), "--n", "8"], "needs a run trained with persistent chains"),
        (["gaussian", "--set", "energy.dim=2", "--n", "8"], "a registered energy has none"),
        ([str(mismatched), "--n", "8"], "holds states of shape (3,), but the energy's events have shape (2,)"),
        ([str(poisoned), "--n", "64"], "1 of the 64 replay-buffer states drawn"),
    ]
    for args, message in cases:
        assert main(["sample", *args, "--init", "buffer", "--steps", "4", "--no-progress", "--out", str(out)]) == 2
        assert message in capsys.readouterr().err
        assert not out.exists()
