"""Transferable few-shot latency predictors (NASFLAT / HELP study, issue 3).

Modules, one concept each:

* :mod:`~nas_utils.transfer.tasks`      -- the source -> target device task suite, as data
* :mod:`~nas_utils.transfer.encodings`  -- architecture encodings (NB201 op-on-node graph,
  FBNet layer chain, flat one-hot, analytic FLOPs/params)
* :mod:`~nas_utils.transfer.samplers`   -- few-shot sample selection (random, k-means, ...)
* :mod:`~nas_utils.transfer.models`     -- pre-trainable MLP / GNN with device embeddings,
  pairwise ranking loss, pre-training and fine-tuning
* :mod:`~nas_utils.transfer.data`       -- one task's architectures, encodings and latencies
* :mod:`~nas_utils.transfer.methods`    -- every transfer method behind one interface
* :mod:`~nas_utils.transfer.study`      -- the evaluation protocol (k shots, trials, metrics)
* :mod:`~nas_utils.transfer.in_loop`    -- a transferred predictor inside any search tactic
"""
