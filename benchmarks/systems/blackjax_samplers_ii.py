"""BlackJAX on the Samplers II workloads: NUTS with its window adaptation, vmapped over chains.

Each chain runs ``blackjax.window_adaptation(blackjax.nuts, log p, target_acceptance_rate=0.8,
initial_step_size=ε₀, max_num_doublings=…)`` for the warm-up (dual-averaged step size and a
diagonal inverse mass matrix from Stan-style windows, per chain), then ``blackjax.nuts`` with
the tuned parameters under ``lax.scan`` for the kept draws; the whole per-chain function is
``jax.vmap``-ed over chains and jitted (the documented multi-chain approach: vectorised
chains, whose trees run in lock-step under ``vmap``). Gradient evaluations are the sum of
``info.num_integration_steps`` over the warm-up and the kept transitions.

BlackJAX has no parallel-tempering sampler, so T1 is reported unsupported.
"""

from __future__ import annotations

from typing import Any

from .. import samplers_ii
from ..inputs import Inputs
from ..workloads import Workload
from .base import Prepared, Unsupported


def _logdensity(workload: Workload) -> Any:
    import jax.numpy as jnp

    if workload.target == "ill_gaussian":
        precision = jnp.asarray(1.0 / samplers_ii.ill_gaussian_variances(workload.dim), jnp.float32)
        return lambda x: -0.5 * jnp.sum(x * x * precision)
    a, b = samplers_ii.BANANA["a"], samplers_ii.BANANA["b"]
    return lambda x: -(b * (x[1] - x[0] ** 2) ** 2 + (a - x[0]) ** 2)


def prepare(workload: Workload, inputs: Inputs) -> Prepared:
    if workload.kind != "nuts":
        raise Unsupported("BlackJAX has no parallel tempering sampler (its issue #740)")
    import blackjax
    import jax
    import jax.numpy as jnp

    logdensity = _logdensity(workload)
    depth = workload.max_tree_depth
    warmup = blackjax.window_adaptation(
        blackjax.nuts, logdensity, target_acceptance_rate=0.8,
        initial_step_size=workload.step_size, max_num_doublings=depth,
    )

    def one_chain(key, x):
        k_warm, k_draw = jax.random.split(key)
        (state, parameters), adaptation = warmup.run(k_warm, x, num_steps=workload.warmup)
        kernel = blackjax.nuts(logdensity, **parameters)  # parameters carry max_num_doublings

        def body(state, step_key):
            state, info = kernel.step(step_key, state)
            return state, (state.position, info.num_integration_steps)

        _, (positions, n_steps) = jax.lax.scan(
            body, state, jax.random.split(k_draw, workload.steps)
        )
        warm = adaptation.info.num_integration_steps
        return positions, jnp.sum(n_steps), jnp.sum(warm), parameters["step_size"]

    chains = jax.jit(jax.vmap(one_chain))
    x0 = jnp.asarray(inputs.x0)
    compiled: list[Any] = []
    counter = [0]

    def keys(seed: int) -> Any:
        return jax.random.split(jax.random.key(seed), workload.chains)

    def compile() -> None:
        compiled.append(chains.lower(keys(0), x0).compile())

    def run() -> Any:
        counter[0] += 1
        return jax.block_until_ready(compiled[0](keys(counter[0]), x0))

    def info(out: Any) -> dict:
        kept, warm = float(jnp.sum(out[1])), float(jnp.sum(out[2]))
        return {"grad_evals_kept": kept, "grad_evals_total": kept + warm,
                "step_size": float(jnp.mean(out[3]))}

    return Prepared(
        run=run, compile=compile, info=info,
        to_numpy=lambda out: jax.device_get(out[0]),
        backend=lambda out: "blackjax.window_adaptation + nuts, vmap over chains, lax.scan, jit",
    )
