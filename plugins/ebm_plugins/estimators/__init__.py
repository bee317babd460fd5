"""Built-in log-partition estimators plugin (entry point ``ebm_core_estimators`` in group ``ebm``).

``ais`` (annealed importance sampling, a stochastic lower bound on ``log Z``) and
``reverse_ais`` (the same path run backwards from samples of the target, an upper bound);
:func:`ebm_core.evaluation.sandwich` combines the two.

Example::

    import torch, ebm_core
    e = ebm_core.energy("gaussian", dim=2)
    est = ebm_core.estimator("ais", e, n_chains=64, n_temperatures=30).estimate(
        generator=torch.Generator().manual_seed(0))
    assert est.method == "ais"
"""

import ebm_core


@ebm_core.hookimpl
def ebm_register_estimators(register):
    from .ais import AIS
    from .reverse_ais import ReverseAIS

    register("ais", AIS)
    register("reverse_ais", ReverseAIS)
