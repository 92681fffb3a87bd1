"""Random search: uniform samples without repetition (the reference lower bound)."""

from __future__ import annotations

import numpy as np

from nas_utils import config
from nas_utils.search.base import TACTICS, SearchSession, Tactic


@TACTICS.register("random")
class RandomSearch(Tactic):
    name = "random"

    def __init__(self, batch_size: int = 50) -> None:
        config.check_range("random.batch_size", batch_size, low=1)
        self.batch_size = batch_size

    def search(self, session: SearchSession, rng: np.random.Generator) -> None:
        iteration = 0
        while not session.done:
            session.evaluate(session.sample_new(rng, self.batch_size), iteration=iteration, source="random")
            iteration += 1
