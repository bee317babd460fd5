"""The replay buffer draws chains in passes: every slot once per pass, distinct rows per batch.

Uniform draws per batch would leave slots unvisited for a geometric number of batches; these
tests fail for that scheme (the per-slot counts spread) and for a pass scheme that drops or
repeats the slots of a batch that straddles two passes. All checks are exact (no tolerance).
"""

from __future__ import annotations

import copy

import pytest
import torch

from ebm_plugins.losses.replay_buffer import ReplayBuffer


def _buffer(capacity: int) -> ReplayBuffer:
    buffer = ReplayBuffer(capacity)
    buffer.fill(torch.arange(capacity, dtype=torch.float32).unsqueeze(1))
    return buffer


@pytest.mark.parametrize(("capacity", "batch"), [(100, 10), (100, 30), (97, 13), (10, 10)])
def test_every_slot_is_drawn_once_per_pass(capacity: int, batch: int) -> None:
    buffer, generator = _buffer(capacity), torch.Generator().manual_seed(0)
    counts = torch.zeros(capacity, dtype=torch.long)
    for index in range(1, 60):
        rows, states = buffer.draw(batch, generator)
        assert rows.unique().numel() == batch, "a batch drew one slot twice"
        assert torch.equal(states.squeeze(1), rows.float()), "states are not those of the drawn rows"
        counts[rows] += 1
        drawn = index * batch
        # after `drawn` draws every slot has been drawn floor(drawn/capacity) or one more time
        assert counts.min() == drawn // capacity
        assert counts.max() <= -(-drawn // capacity)


def test_a_resumed_buffer_continues_the_pass_exactly() -> None:
    uninterrupted, generator = _buffer(50), torch.Generator().manual_seed(1)
    for _ in range(3):
        uninterrupted.draw(16, generator)
    saved_state, saved_rng = copy.deepcopy(uninterrupted.state_dict()), generator.get_state()
    expected = [uninterrupted.draw(16, generator)[0] for _ in range(5)]

    resumed = ReplayBuffer(50)
    resumed.load_state_dict(saved_state)
    generator.set_state(saved_rng)
    assert all(torch.equal(resumed.draw(16, generator)[0], rows) for rows in expected)


def test_a_checkpoint_without_pass_state_loads_and_starts_a_new_pass() -> None:
    old_state = {"samples": torch.zeros(20, 2)}  # as written before passes existed
    buffer = ReplayBuffer(20)
    buffer.load_state_dict(old_state)
    rows, _ = buffer.draw(20, torch.Generator().manual_seed(0))
    assert sorted(rows.tolist()) == list(range(20))


def test_drawing_more_chains_than_the_buffer_holds_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot draw 11 distinct chains from a buffer of 10"):
        _buffer(10).draw(11)
