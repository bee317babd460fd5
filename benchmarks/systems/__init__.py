"""The benchmarked systems, in table order: ebm's two paths, then the peers.

Each adapter module imports its library only inside functions, so listing the systems (and
finding out which are missing) costs nothing and needs none of them installed.
"""

from __future__ import annotations

from .base import Prepared, System, Unavailable, Unsupported
from .blackjax_system import SYSTEM as BLACKJAX
from .ebm_system import FUSED as EBM_FUSED
from .ebm_system import TORCH as EBM_TORCH
from .ebmkit_system import SYSTEM as EBMKIT
from .torchebm_system import SYSTEM as TORCHEBM

SYSTEMS: dict[str, System] = {
    s.name: s for s in (EBM_FUSED, EBM_TORCH, TORCHEBM, EBMKIT, BLACKJAX)
}
PEERS = [name for name, s in SYSTEMS.items() if s.peer]

__all__ = ["PEERS", "SYSTEMS", "Prepared", "System", "Unavailable", "Unsupported"]
