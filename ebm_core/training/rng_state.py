"""Capture and restore every random-number state training depends on.

Exact resume needs the same random numbers after a restart as without one: the global torch
generator (CPU, and CUDA when used) and any explicit :class:`torch.Generator` (data order,
per-rank sampling streams). States are uint8 tensors, so they fit a ``weights_only``
checkpoint.
"""

from __future__ import annotations

from typing import Any, Mapping

import torch


def capture_rng(generators: Mapping[str, torch.Generator] | None = None) -> dict[str, Any]:
    """The current RNG states: global CPU (+ CUDA if initialised) and each named generator."""
    state: dict[str, Any] = {"torch_cpu": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["torch_cuda"] = torch.cuda.get_rng_state_all()
    state["generators"] = {name: gen.get_state() for name, gen in (generators or {}).items()}
    return state


def restore_rng(state: Mapping[str, Any], generators: Mapping[str, torch.Generator] | None = None) -> None:
    """Undo :func:`capture_rng`: set the global and named generators back to ``state``."""
    torch.set_rng_state(state["torch_cpu"])
    if "torch_cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["torch_cuda"])
    saved = state.get("generators", {})
    for name, gen in (generators or {}).items():
        if name not in saved:
            raise KeyError(f"checkpoint has no state for generator {name!r}; saved: {sorted(saved)}")
        gen.set_state(saved[name])
