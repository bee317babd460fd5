"""Data-augmentation transitions of replay-buffer chains (improved CD's ``augment`` option of ``cd``).

* The rate: with ``rate = 0.3`` over 20,000 chains the number augmented is Binomial(20000, 0.3)
  (SE ≈ 64.8); the test allows 4.5 SE, a false-fail rate below 1e-5 (the seed is fixed, so
  the outcome is deterministic). The transform is chosen uniformly: with two transforms each
  takes a Binomial(n_aug, ½) share, also checked within 4.5 SE.
* Every transform keeps the shape and each image's values within its own ``[min, max]``;
  flips are exact mirrors, a shift is a crop of the edge-padded image.
* In the loss: off by default (buffer chains reach the sampler unchanged); with ``augment``
  the sampler receives the augmented chains; ``augment`` needs ``persistent=True`` and image
  events.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch

import ebm_core
from ebm_plugins.losses.augmentation import TRANSFORMS, ReplayAugmentation

Z = 4.5  # standard errors allowed


def test_the_stated_fraction_of_chains_is_augmented_with_a_uniformly_chosen_transform() -> None:
    n, rate = 20_000, 0.3
    images = torch.rand(n, 1, 5, 5)
    moved, augmented = ReplayAugmentation(("hflip", "vflip"), rate=rate)(images, torch.Generator().manual_seed(0))
    n_aug = int(augmented.sum())
    assert abs(n_aug - n * rate) < Z * math.sqrt(n * rate * (1 - rate))
    assert torch.equal(moved[~augmented], images[~augmented])
    hflipped = (moved[augmented] == images[augmented].flip(-1)).flatten(1).all(1)
    vflipped = (moved[augmented] == images[augmented].flip(-2)).flatten(1).all(1)
    assert bool((hflipped ^ vflipped).all())  # exactly one of the two (random images have no symmetry)
    assert abs(int(hflipped.sum()) - n_aug / 2) < Z * math.sqrt(n_aug / 4)


@pytest.mark.parametrize("name", TRANSFORMS)
@pytest.mark.parametrize("shape", [(1, 8, 8), (3, 5, 5), (64,), (6, 6)])
def test_every_transform_keeps_shape_and_each_image_s_range(name: str, shape: tuple[int, ...]) -> None:
    chains = 3 * torch.rand(200, *shape) - 1
    moved, augmented = ReplayAugmentation((name,), rate=1.0, max_shift=2, jitter=0.5)(
        chains, torch.Generator().manual_seed(1))
    assert moved.shape == chains.shape and bool(augmented.all())
    low, high = chains.flatten(1).min(1).values, chains.flatten(1).max(1).values
    assert bool((moved.flatten(1).min(1).values >= low).all()) and bool((moved.flatten(1).max(1).values <= high).all())
    assert not torch.equal(moved, chains)


def test_shift_is_a_crop_of_the_edge_padded_image() -> None:
    images = torch.rand(300, 1, 6, 6)
    moved, _ = ReplayAugmentation(("shift",), rate=1.0, max_shift=1)(images, torch.Generator().manual_seed(2))
    padded = torch.nn.functional.pad(images, (1, 1, 1, 1), mode="replicate")
    crops = torch.stack([padded[:, :, dy:dy + 6, dx:dx + 6] for dy in range(3) for dx in range(3)], 1)
    matches = (crops == moved[:, None]).flatten(2).all(2)  # (300, 9): which offset each image took
    assert bool(matches.any(1).all())
    assert int(matches[:, 4].sum()) < 300 // 9 * 2  # the zero shift is one offset of nine, not the rule


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="augment"):
        ReplayAugmentation(("rotate",))
    with pytest.raises(ValueError, match="at least one transform"):
        ReplayAugmentation(())
    with pytest.raises(TypeError, match="list of transform names"):
        ReplayAugmentation("hflip")
    with pytest.raises(ValueError, match="augment_rate"):
        ReplayAugmentation(("hflip",), rate=1.5)
    with pytest.raises(ValueError, match="augment needs image chains"):
        ReplayAugmentation(("hflip",))(torch.zeros(4, 2))


def _identity_sampler_loss(**options):
    """A pcd loss on 4×4 images whose sampler returns its starting states, and what it received."""
    energy = ebm_core.energy("gaussian", dim=16)
    loss = ebm_core.loss("cd", energy, persistent=True, k=1, buffer_size=32, reinit_fraction=0.0,
                         generator=torch.Generator().manual_seed(3), **options)
    received = []

    def run(chains, n_steps, generator=None):
        received.append(chains.clone())
        return SimpleNamespace(samples=chains, divergent=torch.zeros(len(chains), dtype=torch.bool),
                               mean_acceptance_rate=1.0)

    loss.sampler.run = run
    return loss, received


def test_cd_has_no_augmentation_by_default() -> None:
    loss, received = _identity_sampler_loss()
    assert loss.augmentation is None
    loss(torch.rand(32, 16))
    start = loss.buffer.samples.clone()
    loss(torch.rand(32, 16))
    assert torch.equal(loss.buffer.samples, start) and "n_augmented" not in loss.last


def test_cd_passes_augmented_buffer_chains_to_the_sampler() -> None:
    loss, received = _identity_sampler_loss(augment=["hflip"], augment_rate=1.0)
    loss(torch.rand(32, 16))  # fills the buffer with noise and flips every chain drawn
    start = loss.buffer.samples.clone()
    loss(torch.rand(32, 16))
    assert loss.last["n_augmented"] == 32
    flipped = start.reshape(32, 4, 4).flip(-1).reshape(32, 16)
    assert torch.equal(loss.buffer.samples, flipped)  # every row was drawn, flipped and written back
    assert torch.equal(received[-1].sort(0).values, flipped.sort(0).values)


def test_cd_passes_the_shift_and_jitter_ranges_to_the_augmentation() -> None:
    loss, received = _identity_sampler_loss(augment=["shift"], augment_rate=1.0, augment_max_shift=0,
                                            augment_jitter=0.3)
    assert (loss.augmentation.max_shift, loss.augmentation.jitter) == (0, 0.3)
    loss(torch.rand(32, 16))
    start = loss.buffer.samples.clone()
    loss(torch.rand(32, 16))
    assert loss.last["n_augmented"] == 32 and torch.equal(loss.buffer.samples, start)  # a 0-pixel shift
    pcd = ebm_core.loss("pcd", ebm_core.energy("gaussian", dim=16), augment=["shift", "jitter"],
                        augment_max_shift=2, augment_jitter=0.2)
    assert (pcd.augmentation.max_shift, pcd.augmentation.jitter) == (2, 0.2)


@pytest.mark.parametrize(("option", "value"), [("augment_max_shift", -1), ("augment_jitter", 1.5)])
def test_cd_names_a_bad_augmentation_range(option: str, value: float) -> None:
    with pytest.raises(ValueError, match=option):
        ebm_core.loss("cd", ebm_core.energy("gaussian", dim=16), persistent=True, augment=["shift"],
                      **{option: value})


def test_augment_needs_a_replay_buffer() -> None:
    with pytest.raises(ValueError, match="persistent=True"):
        ebm_core.loss("cd", ebm_core.energy("gaussian", dim=16), augment=["hflip"])
