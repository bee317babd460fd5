"""The base classes every component implements: :class:`Energy`, :class:`Sampler`, :class:`Loss`
(and, for samplers tuned during burn-in, :class:`AdaptiveSampler` / :class:`AdaptiveMassSampler`)."""

from .adaptive_sampler import AdaptiveMassSampler, AdaptiveSampler
from .energy import Energy
from .loss import Loss
from .sampler import Sampler

__all__ = ["AdaptiveMassSampler", "AdaptiveSampler", "Energy", "Loss", "Sampler"]
