"""The base classes every component implements: :class:`Energy`, :class:`Sampler`, :class:`Loss`."""

from .energy import Energy
from .loss import Loss
from .sampler import Sampler

__all__ = ["Energy", "Loss", "Sampler"]
