"""One NUTS transition for a batch of chains: multinomial trajectory sampling, vectorised.

The trajectory of every chain doubles (depth j adds a subtree of 2ʲ leapfrog steps in a
random direction) until it makes a U-turn, diverges or reaches ``max_depth`` — Stan's
algorithm (Betancourt 2017, "A conceptual introduction to Hamiltonian Monte Carlo", App. A):

* **Multinomial sampling.** Every point z of the trajectory has weight ``exp(H₀ − H(z))``.
  Inside a subtree the candidate is drawn with probability proportional to the weights
  (progressively, leaf by leaf: leaf ℓ replaces the candidate with probability
  ``w_ℓ / Σ_{k≤ℓ} w_k``); when a valid subtree is merged into the tree, its candidate
  replaces the sample with probability ``min(1, W_subtree / W_tree)`` — *biased* progressive
  sampling, which favours the new, far-away half.
* **Generalised U-turn criterion** (Betancourt 2013): a (sub)tree with end momenta
  ``p₋, p₊`` and momentum sum ``ρ`` stops when ``p₋^♯·ρ ≤ 0`` or ``p₊^♯·ρ ≤ 0``
  (``p^♯ = M⁻¹p``). Every merge of two halves is checked — whole, and (as in Stan ≥ 2.26)
  each half extended by the first point of the other, which catches U-turns between
  halves that the ends alone miss. A subtree with a U-turn inside is discarded.
* **Divergence**: a leaf with ``H − H₀ > max_energy_error`` ends the trajectory (the subtree
  is discarded) and is flagged.

Chains build their trees together, one leapfrog step at a time, but a step is evaluated
only for the chains whose subtree is still growing: their rows are gathered
(``index_select``), integrated and scattered back, so a chain that has finished costs no
gradient evaluation while the others go on. Finding those rows reads a mask on the host
once per leapfrog step (NUTS's loop length is data-dependent, so it synchronises anyway).
"""

from __future__ import annotations

import dataclasses

import torch

from .leapfrog import leapfrog


@dataclasses.dataclass
class Transition:
    """The result of :func:`nuts_transition` (all per chain, ``(chains, …)``).

    ``accept_prob`` is Stan's adaptation statistic: the mean of ``min(1, exp(H₀ − H))`` over
    the new points. ``hamiltonian`` is H at the sampled point (for E-BFMI).
    ``rows_evaluated`` counts the gradient rows computed; ``lockstep_rows`` is chains ×
    leapfrog iterations, what evaluating every chain at every iteration would have cost.
    """

    x: torch.Tensor
    energy: torch.Tensor
    grad: torch.Tensor
    hamiltonian: torch.Tensor
    accept_prob: torch.Tensor
    moved: torch.Tensor
    depth: torch.Tensor
    n_leapfrog: torch.Tensor
    divergent: torch.Tensor
    rows_evaluated: int
    lockstep_rows: int


def nuts_transition(
    energy,
    x: torch.Tensor,
    energy0: torch.Tensor,
    grad0: torch.Tensor,
    momentum: torch.Tensor,
    step_size: torch.Tensor,
    inv_mass: torch.Tensor,
    max_depth: int,
    max_energy_error: float,
    generator: torch.Generator | None,
) -> Transition:
    """One NUTS transition of every chain from ``(x, momentum)`` (see the module docstring)."""
    chains = x.shape[0]
    col = (-1,) + (1,) * (x.dim() - 1)
    h0 = energy0 + _kinetic(momentum, inv_mass)

    left = [x.clone(), momentum.clone(), grad0.clone()]  # the tree's earliest point in time
    right = [t.clone() for t in left]  # … and its latest
    sample = [x.clone(), energy0.clone(), grad0.clone(), h0.clone()]
    log_weight = torch.zeros_like(h0)  # log Σ exp(H₀ − H) over the tree (x₀ has weight 1)
    rho = momentum.clone()
    running = torch.ones(chains, dtype=torch.bool, device=x.device)
    zeros = torch.zeros(chains, dtype=torch.int64, device=x.device)
    depth, n_leapfrog = zeros.clone(), zeros.clone()
    divergent, moved = torch.zeros_like(running), torch.zeros_like(running)
    accept_sum = torch.zeros_like(h0)
    uniform = torch.empty_like(h0)
    rows = lockstep = 0

    for j in range(max_depth):
        forward = uniform.uniform_(generator=generator) < 0.5
        ahead = forward.view(col)
        signed_step = torch.where(forward, step_size, -step_size).view(col)
        cur = [torch.where(ahead, r, l) for r, l in zip(right, left)]
        cur_energy = torch.zeros_like(h0)
        sub = _Subtree(cur, h0, j)
        valid = running.clone()
        for n in range(1 << j):
            active = valid.nonzero().squeeze(1)  # host read: which chains still integrate
            if active.numel() == 0:
                break
            rows += active.numel()
            lockstep += chains
            xa, pa, ga = (t.index_select(0, active) for t in cur)
            ea, ga = leapfrog(energy, xa, pa, ga, signed_step.index_select(0, active), 1, inv_mass)
            for t, v in zip(cur, (xa, pa, ga)):
                t.index_copy_(0, active, v)
            cur_energy.index_copy_(0, active, ea)
            h = cur_energy + _kinetic(cur[1], inv_mass)
            leaf_log_weight = torch.nan_to_num(h0 - h, nan=float("-inf"))
            diverged = valid & ~(h - h0 <= max_energy_error)
            n_leapfrog += valid
            accept_sum += torch.where(valid, leaf_log_weight.clamp(max=0.0).exp(), 0.0)
            divergent |= diverged
            ok = valid & ~diverged
            u = uniform.uniform_(generator=generator)
            sub.add_leaf(n, cur, cur_energy, h, leaf_log_weight, u)
            valid = ok & ~sub.u_turn(n, cur[1], inv_mass)

        # Merge the valid subtrees into their trees (biased progressive sampling).
        u = uniform.uniform_(generator=generator)
        take = valid & (torch.log(u) < sub.log_weight - log_weight)
        for i, t in enumerate(sub.sample):
            sample[i] = torch.where(take.view(col) if t.dim() > 1 else take, t, sample[i])
        moved |= take
        log_weight = torch.where(valid, torch.logaddexp(log_weight, sub.log_weight), log_weight)
        depth += valid
        first, last = sub.first_momentum, cur[1]
        # In time order: the backward part (bb … bf) then the forward part (fb … ff).
        bb = torch.where(ahead, left[1], last)
        bf = torch.where(ahead, right[1], first)
        fb = torch.where(ahead, first, left[1])
        ff = torch.where(ahead, last, right[1])
        rho_b = torch.where(ahead, rho, sub.rho)
        rho_f = torch.where(ahead, sub.rho, rho)
        merged = rho + sub.rho
        no_u_turn = (
            _continues(bb, ff, merged, inv_mass)
            & _continues(bb, fb, rho_b + fb, inv_mass)
            & _continues(bf, ff, rho_f + bf, inv_mass)
        )
        rho = torch.where(valid.view(col), merged, rho)
        grow_right, grow_left = (valid & forward).view(col), (valid & ~forward).view(col)
        right = [torch.where(grow_right, c, r) for c, r in zip(cur, right)]
        left = [torch.where(grow_left, c, l) for c, l in zip(cur, left)]
        running = valid & no_u_turn
        if not bool(running.any()):
            break

    return Transition(
        x=sample[0], energy=sample[1], grad=sample[2], hamiltonian=sample[3],
        accept_prob=accept_sum / n_leapfrog.clamp(min=1).to(accept_sum.dtype),
        moved=moved, depth=depth, n_leapfrog=n_leapfrog, divergent=divergent,
        rows_evaluated=rows, lockstep_rows=lockstep,
    )


class _Subtree:
    """A subtree of 2ʲ leaves grown one leaf at a time: candidate, weight, U-turn checks.

    Leaves are numbered in generation order. The aligned blocks of 2ⁱ leaves are the
    subtrees of the recursive algorithm; when leaf n completes one, it is checked as the
    merge of its two halves. ``_marks[i]`` keeps what that check needs: the momentum and
    prefix sum of ``p`` at the block's start, at the left half's end and at the right half's
    start.
    """

    def __init__(self, cur: list[torch.Tensor], h0: torch.Tensor, depth: int) -> None:
        self.sample = [cur[0].clone(), torch.zeros_like(h0), cur[2].clone(), h0.clone()]
        self.log_weight = torch.full_like(h0, float("-inf"))
        self.rho = torch.zeros_like(cur[1])
        self.first_momentum = cur[1]
        self.depth = depth
        self._marks: list[dict[str, torch.Tensor]] = [{} for _ in range(depth + 1)]

    def add_leaf(
        self, n: int, cur: list[torch.Tensor], energy: torch.Tensor, h: torch.Tensor,
        leaf_log_weight: torch.Tensor, u: torch.Tensor,
    ) -> None:
        # Rows that are not ``ok`` belong to discarded subtrees: their values no longer matter,
        # so they are updated unmasked (rows never mix).
        col = (-1,) + (1,) * (cur[0].dim() - 1)
        total = torch.logaddexp(self.log_weight, leaf_log_weight)
        take = torch.log(u) < leaf_log_weight - total
        for i, t in enumerate((cur[0], energy, cur[2], h)):
            self.sample[i] = torch.where(take.view(col) if t.dim() > 1 else take, t, self.sample[i])
        self.log_weight = total
        p = cur[1]
        before = self.rho
        self.rho = before + p
        if n == 0:
            self.first_momentum = p.clone()
        for i in range(1, self.depth + 1):
            size, half, marks = 1 << i, 1 << (i - 1), self._marks[i]
            if n % size == 0:
                marks["p_start"], marks["s_start"] = p.clone(), before
            if n % size == half:
                marks["p_right_start"] = p.clone()
            if (n + 1) % size == half:
                marks["p_left_end"], marks["s_left_end"] = p.clone(), self.rho

    def u_turn(self, n: int, p: torch.Tensor, inv_mass: torch.Tensor) -> torch.Tensor:
        """Chains whose blocks completed by leaf ``n`` turn back (whole or between halves)."""
        stop = torch.zeros(p.shape[0], dtype=torch.bool, device=p.device)
        for i in range(1, self.depth + 1):
            if (n + 1) % (1 << i):
                break  # blocks of 2ⁱ complete only when blocks of 2ⁱ⁻¹ do
            m = self._marks[i]
            whole = self.rho - m["s_start"]
            left = m["s_left_end"] - m["s_start"]
            right = self.rho - m["s_left_end"]
            ok = (
                _continues(m["p_start"], p, whole, inv_mass)
                & _continues(m["p_start"], m["p_right_start"], left + m["p_right_start"], inv_mass)
                & _continues(m["p_left_end"], p, right + m["p_left_end"], inv_mass)
            )
            stop |= ~ok
        return stop


def _continues(
    p_a: torch.Tensor, p_b: torch.Tensor, rho: torch.Tensor, inv_mass: torch.Tensor
) -> torch.Tensor:
    """The generalised no-U-turn condition ``p_a^♯·ρ > 0 and p_b^♯·ρ > 0`` per chain."""
    rho_sharp = rho * inv_mass
    return (_dot(p_a, rho_sharp) > 0) & (_dot(p_b, rho_sharp) > 0)


def _dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a * b).reshape(a.shape[0], -1).sum(dim=1)


def _kinetic(p: torch.Tensor, inv_mass: torch.Tensor) -> torch.Tensor:
    """½ pᵀ M⁻¹ p per chain."""
    return 0.5 * _dot(p, p * inv_mass)
