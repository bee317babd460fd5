"""Harmonic energy (placeholder while the energies plugin is written)."""
import torch
import ebm_core


class Harmonic(ebm_core.Energy):
    """E(x) = ½ k ‖x − c‖²."""

    def __init__(self, dim: int = 2, k: float = 1.0):
        super().__init__(event_shape=(dim,))
        self.k = k

    def forward(self, x):
        x = self.check_input(x)
        return 0.5 * self.k * x.pow(2).sum(-1)
