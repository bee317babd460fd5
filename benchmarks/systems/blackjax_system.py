"""BlackJAX: its kernels under ``jax.jit``, with ``jax.vmap`` and ``jax.lax.scan``.

* ULA (W1, W2, W4): BlackJAX's Langevin kernel is ``blackjax.sgld`` — the Euler step
  ``x + h ∇log p(x) + √(2h) ξ`` of the overdamped Langevin diffusion, which with the exact
  gradient (no minibatch) is ULA. The chains' state is the ``(chains, dim)`` array; the
  gradient estimator is ``vmap(grad(log p))`` over chains; ``lax.scan`` runs the steps with
  one PRNG key per step (noise for all chains from it). Measured faster than ``vmap``-ing the
  kernel itself over chains with one key per chain per step (splitting 10k keys per step
  costs more than the double well's gradient), so this is BlackJAX's fastest form here.
* HMC (W3): ``blackjax.hmc(log p, ε, inverse_mass_matrix=1, num_integration_steps=L)``,
  ``vmap``-ed over chains (each chain its own key and Metropolis test), ``lax.scan`` over
  transitions.
* W5/W6: the same conv net in flax (:mod:`benchmarks.systems.blackjax_conv`, NHWC — XLA's
  native layout on CPU), gradients of the summed energies (rows are independent), otherwise
  as W4 and training.
* Training: the same MLP as a pure-JAX function; negatives from ``k`` sgld steps on a
  replay buffer (5 % restarted from N(0, I)), the CD loss with the α penalty, ``optax.adam``
  — the whole iteration one jitted function.

Log-densities are ``−E`` of the same targets: ``−2 Σ (xᵢ² − 1)²``, ``−½‖x‖²`` and ``−MLP(x)``.
Compile time (``jit(f).lower(...).compile()``) is measured apart from the runs.
"""

from __future__ import annotations

from typing import Any

from .. import samplers_ii
from ..inputs import Inputs
from ..workloads import DOUBLE_WELL, TRAINING, Workload
from . import blackjax_samplers_ii
from .base import Prepared, System


def _setup() -> None:
    import jax

    jax.config.update("jax_platforms", "cpu")
    jax.config.update("jax_enable_x64", False)


def _mlp_energy(params: Any, x: Any) -> Any:
    """E(x) of the MLP for one point ``x`` (dim,)."""
    import jax

    h = x
    for w, b in params[:-1]:
        h = jax.nn.silu(w @ h + b)
    w, b = params[-1]
    return (w @ h + b)[0]


def _logdensity(workload: Workload, params: Any) -> Any:
    import jax.numpy as jnp

    if workload.target == "double_well":
        height, b2 = DOUBLE_WELL["barrier_height"], DOUBLE_WELL["b"] ** 2
        return lambda x: -height * jnp.sum((x * x - b2) ** 2)
    if workload.target == "gaussian":
        return lambda x: -0.5 * jnp.sum(x * x)
    return lambda x: -_mlp_energy(params, x)


def _params(inputs: Inputs) -> Any:
    import jax.numpy as jnp

    if inputs.weights is None:
        return None
    return [(jnp.asarray(w), jnp.asarray(b)) for w, b in inputs.weights]


def _ula_chain(workload: Workload, grad: Any) -> Any:
    """``workload.steps`` sgld (= ULA) steps of all chains; ``grad`` maps the ``(chains, …)``
    state to ∇ log p of every chain."""
    import blackjax
    import jax

    sgld = blackjax.sgld(lambda position, minibatch: grad(position))
    h = workload.step_size

    def chain(key, x):
        def body(x, step_key):
            return sgld.step(step_key, x, None, h), None

        x, _ = jax.lax.scan(body, x, jax.random.split(key, workload.steps))
        return x

    return chain


def _hmc_chain(workload: Workload, logdensity: Any) -> Any:
    import blackjax
    import jax
    import jax.numpy as jnp

    hmc = blackjax.hmc(
        logdensity, step_size=workload.step_size,
        inverse_mass_matrix=jnp.ones(workload.dim), num_integration_steps=workload.n_leapfrog,
    )
    n = workload.chains

    def chain(key, x):
        states = jax.vmap(hmc.init)(x)
        step = jax.vmap(hmc.step)

        def body(states, step_key):
            states, info = step(jax.random.split(step_key, n), states)
            return states, info.acceptance_rate.mean()

        states, acceptance = jax.lax.scan(body, states, jax.random.split(key, workload.steps))
        return states.position, acceptance.mean()

    return chain


def _prepare_chains(workload: Workload, inputs: Inputs) -> Prepared:
    import jax
    import jax.numpy as jnp

    if workload.target == "conv":
        from . import blackjax_conv

        params, energies = blackjax_conv.network(inputs)
        chain = _ula_chain(workload, jax.grad(lambda x: -jnp.sum(energies(params, x))))
        x0 = jnp.asarray(blackjax_conv.to_nhwc(inputs.x0))
    else:
        logdensity = _logdensity(workload, _params(inputs))
        if workload.kind == "hmc":
            chain = _hmc_chain(workload, logdensity)
        else:
            chain = _ula_chain(workload, jax.vmap(jax.grad(logdensity)))
        x0 = jnp.asarray(inputs.x0)
    jitted = jax.jit(chain)
    compiled: list[Any] = []
    counter = [0]

    def compile() -> None:
        compiled.append(jitted.lower(jax.random.key(0), x0).compile())

    def run() -> Any:
        counter[0] += 1
        return jax.block_until_ready(compiled[0](jax.random.key(counter[0]), x0))

    def positions(out: Any) -> Any:
        if workload.target == "conv":
            return jnp.transpose(out, (0, 3, 1, 2))  # back to (chains, C, H, W)
        return out[0] if workload.kind == "hmc" else out

    def info(out: Any) -> dict:
        return {"acceptance_rate": float(out[1])} if workload.kind == "hmc" else {}

    name = "hmc, vmap over chains" if workload.kind == "hmc" else "sgld (=ULA), vmap(grad)"
    if workload.target == "conv":
        name = "sgld (=ULA), flax conv net (NHWC), grad of the summed energies"
    return Prepared(
        run=run,
        compile=compile,
        to_numpy=lambda out: jax.device_get(positions(out)),
        backend=lambda out: f"blackjax.{name}, lax.scan, jit",
        info=info,
    )


def _prepare_training(workload: Workload, inputs: Inputs) -> Prepared:
    import jax
    import jax.numpy as jnp
    import optax

    batch, k, h = workload.chains, workload.steps, workload.step_size
    alpha, size = TRAINING["alpha"], TRAINING["buffer_size"]
    restart = TRAINING["reinit_fraction"]
    optimiser = optax.adam(TRAINING["learning_rate"])
    if workload.target == "conv":
        from . import blackjax_conv

        params, energies = blackjax_conv.network(inputs)
        shape = blackjax_conv.nhwc_shape(workload.event_shape)
        data = blackjax_conv.to_nhwc(inputs.data.reshape(-1, *workload.event_shape))
        batches = jnp.asarray(data.reshape(inputs.data.shape[0], batch, *shape))

        def score_of(params):
            return jax.grad(lambda y: -jnp.sum(energies(params, y)))
    else:
        params, shape = _params(inputs), (workload.dim,)
        energies = jax.vmap(_mlp_energy, in_axes=(None, 0))
        batches = jnp.asarray(inputs.data)

        def score_of(params):
            return jax.vmap(jax.grad(lambda y: -_mlp_energy(params, y)))

    def iteration(params, opt_state, buffer, key, data):
        import blackjax

        k_rows, k_restart, k_noise, k_chain = jax.random.split(key, 4)
        rows = jax.random.randint(k_rows, (batch,), 0, size)
        fresh = jax.random.uniform(k_restart, (batch,)) < restart
        fresh = fresh.reshape((batch,) + (1,) * len(shape))
        x = jnp.where(fresh, jax.random.normal(k_noise, (batch, *shape)), buffer[rows])
        grad = score_of(params)
        sgld = blackjax.sgld(lambda position, minibatch: grad(position))
        x, _ = jax.lax.scan(
            lambda x, step_key: (sgld.step(step_key, x, None, h), None), x,
            jax.random.split(k_chain, k),
        )
        negatives = jax.lax.stop_gradient(x)
        buffer = buffer.at[rows].set(negatives)

        def loss_fn(p):
            e_data, e_neg = energies(p, data), energies(p, negatives)
            penalty = alpha * (jnp.mean(e_data**2) + jnp.mean(e_neg**2))
            return jnp.mean(e_data) - jnp.mean(e_neg) + penalty

        value, grads = jax.value_and_grad(loss_fn)(params)
        updates, opt_state = optimiser.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, buffer, value

    jitted = jax.jit(iteration, donate_argnums=(2,))
    state = {
        "params": params,
        "opt": optimiser.init(params),
        "buffer": jax.random.normal(jax.random.key(1), (size, *shape)),
    }
    compiled: list[Any] = []
    counter = [0]

    def compile() -> None:
        args = (state["params"], state["opt"], state["buffer"], jax.random.key(0), batches[0])
        compiled.append(jitted.lower(*args).compile())

    def run() -> Any:
        values = []
        for _ in range(workload.iterations):
            i = counter[0]
            counter[0] += 1
            state["params"], state["opt"], state["buffer"], value = compiled[0](
                state["params"], state["opt"], state["buffer"], jax.random.key(i),
                batches[i % batches.shape[0]],
            )
            values.append(value)
        return jax.block_until_ready(jnp.stack(values))

    return Prepared(
        run=run,
        compile=compile,
        to_numpy=lambda values: jax.device_get(values),
        backend=lambda values: (
            "flax conv net (NHWC)" if workload.target == "conv" else "pure-JAX MLP"
        ) + " + blackjax.sgld negatives + optax.adam, jit",
    )


def _prepare(workload: Workload, inputs: Inputs) -> Prepared:
    if workload.kind in samplers_ii.KINDS:
        return blackjax_samplers_ii.prepare(workload, inputs)
    if workload.kind == "train":
        return _prepare_training(workload, inputs)
    return _prepare_chains(workload, inputs)


SYSTEM = System(
    name="blackjax",
    requires=("blackjax", "jax", "optax"),
    prepare=_prepare,
    setup=_setup,
    peer=True,
    description="BlackJAX under jax.jit + vmap + lax.scan (sgld = ULA, hmc)",
    framework="jax",
)
