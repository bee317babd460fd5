"""Side-by-side benchmarks of ebm against TorchEBM, ebmkit and BlackJAX.

One command runs every workload for every system, each system and workload in its own
subprocess with the same thread budget, and writes a Markdown table, a JSON file and scaling plots::

    python -m benchmarks.run            # full run (W1–W6 + training + scaling), ~7 min
    python -m benchmarks.run --quick    # smaller sizes, ~1 min
    python -m benchmarks.run --out docs/performance   # refresh the docs' performance page data

Layout (one concept per module):

* :mod:`benchmarks.workloads` — what is run: W1–W6 and the PCD training workload, per preset;
* :mod:`benchmarks.inputs` — the shared inputs (start states, MLP weights, training data),
  generated once in NumPy so every system gets the same numbers;
* :mod:`benchmarks.systems` — one adapter per system (ebm fused, ebm torch, torchebm,
  ebmkit, BlackJAX), each building its own fastest form of the same target;
* :mod:`benchmarks.measure` — warm-up, repeats, median, peak RSS;
* :mod:`benchmarks.quality` — the moment checks that keep everyone honest;
* :mod:`benchmarks.worker` — the subprocess of one system (and, in a full run, one
  workload); :mod:`benchmarks.scaling` — the chains/dimension sweeps of the ebm paths;
* :mod:`benchmarks.report`, :mod:`benchmarks.plots` — the table, the ratios and the PNGs;
* :mod:`benchmarks.run` — the entry command; :mod:`benchmarks.load` — its ``--load`` mode (each
  workload quiet and beside one busy process, per OpenMP wait policy);
* :mod:`benchmarks.gpu_neural` — W4–W6 on a GPU with achieved FLOP/s (``scripts/gpu_check.sh``);
* :mod:`benchmarks.samplers_ii`, :mod:`benchmarks.report_samplers_ii` — N1/N2 (NUTS: ESS per
  second and per gradient evaluation) and T1 (tempering round trips), run only when named
  (``--workloads N1,N2,T1``); :mod:`benchmarks.profile_nuts` — where ebm's NUTS spends its time.
* :mod:`benchmarks.training_quality` (with ``_systems``, ``_eval``, ``_report``) — does training
  learn the density? Every built-in 2-D data set × seeds: ``ebm train``'s defaults, a GMM-50
  baseline and ebm / TorchEBM / ebmkit in one PCD configuration, scored by one evaluator
  (held-out NLL by grid quadrature, MMD², mode weights, wall time).

Benchmarks are scripts, never timed tests; ``tests/benchmarks`` only checks that the harness
runs and that its output has the documented shape.
"""
