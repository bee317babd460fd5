"""Built-in training losses (entry point ``ebm_core_losses``).

Sign convention (one, for all): ``score(x) = −∇ₓE(x)``, and each loss is minimised by
training, which moves the energy of data down.

* ``cd`` / ``pcd`` — contrastive divergence with negatives from any registered sampler;
* ``score_matching`` — exact, Hessian trace by autograd (low dimensions);
* ``sliced_score_matching`` — random projections, optional variance reduction;
* ``denoising_score_matching`` — one or several noise levels;
* ``nce`` — noise-contrastive estimation;
* ``importance_ml`` — maximum likelihood, log Z by importance sampling from a tractable proposal.

Example::

    import torch, ebm_core
    energy = ebm_core.energy("gaussian", dim=2)
    loss = ebm_core.loss("sliced_score_matching", energy)
    value = loss(torch.randn(128, 2))
"""

import ebm_core


@ebm_core.hookimpl
def ebm_register_losses(register):
    from .contrastive_divergence import ContrastiveDivergence, PersistentContrastiveDivergence
    from .denoising_score_matching import DenoisingScoreMatching
    from .importance_ml import ImportanceML
    from .jem import JEMLoss
    from .nce import NCE
    from .score_matching import ScoreMatching
    from .sliced_score_matching import SlicedScoreMatching

    register("cd", ContrastiveDivergence)
    register("pcd", PersistentContrastiveDivergence)
    register("score_matching", ScoreMatching)
    register("sliced_score_matching", SlicedScoreMatching)
    register("denoising_score_matching", DenoisingScoreMatching)
    register("nce", NCE)
    register("jem", JEMLoss)
    register("importance_ml", ImportanceML)
