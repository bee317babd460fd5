"""benchmarks.gpu_neural (W4–W6 on the GPU, run by scripts/gpu_check.sh): its FLOP counts match
the networks, it runs its systems end to end (checked on the CPU here, where there is no GPU),
and without a GPU it reports every system as skipped, with the reason, and succeeds."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from benchmarks import gpu_neural
from benchmarks.inputs import make_inputs
from benchmarks.systems.torch_conv import build_conv
from benchmarks.systems.torch_mlp import build_mlp
from benchmarks.workloads import PRESETS


def _counted_macs(net: nn.Module, x: torch.Tensor) -> int:
    macs = []

    def hook(module, inputs, output):
        per_output = module.weight[0].numel()  # C_in·k·k (conv) or in_features (linear)
        macs.append(output[0].numel() * per_output)

    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            m.register_forward_hook(hook)
    net(x)
    return sum(macs)


def test_forward_macs_match_the_networks() -> None:
    for key, build in (("W4", build_mlp), ("W5", build_conv)):
        workload = PRESETS["smoke"].workloads[key]
        net = build(make_inputs(workload).weights)
        x = torch.zeros(1, *workload.event_shape)
        assert gpu_neural.forward_macs(workload) == _counted_macs(net, x)
    assert gpu_neural.forward_macs(PRESETS["full"].workloads["W5"]) == 5_644_864


def test_runs_every_workload_on_cpu(tmp_path) -> None:
    out = tmp_path / "gpu.json"
    argv = ["--device", "cpu", "--preset", "smoke", "--systems", "ebm-torch", "--repeats", "1",
            "--workloads", "W4,W5,W6", "--json", str(out)]
    assert gpu_neural.main(argv) == 0
    results = json.loads(out.read_text())["results"]["ebm-torch"]
    for key in ("W4", "W5", "W6"):
        assert results[key]["status"] == "ok" and results[key]["finite"], results[key]
        assert results[key]["tflops"] > 0


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present: scripts/gpu_check.sh runs it")
def test_without_a_gpu_systems_are_skipped_with_the_reason(capsys) -> None:
    assert gpu_neural.main(["--preset", "smoke", "--systems", "ebm-torch", "--workloads", "W4"]) == 0
    assert "ebm-torch: torch sees no CUDA device" in capsys.readouterr().out
