"""NSGA-II on real evaluations (pymoo ask/tell): every new individual is one real evaluation.

The defaults follow DyNAS-T's Evolutionary tactic (population 50, SBX 0.9/15, PM eta 20, integer
sampling, rounding repair, duplicate elimination) except the mutation probability: with
pymoo >= 0.6 DyNAS-T's ``prob=0.02`` would switch mutation off, so every offspring is mutated,
each variable with probability 1/n_var. Polynomial mutation at eta 20 rarely moves a variable by
half a step, so after rounding it changes about 0.8 % of the variables of NAS-Bench-201 cells
(eta 3: 7 %); the stages run population and eta tuned on the development cells
(``params.yaml`` search.tactic_params.nsga2). An offspring that was already evaluated in an
earlier generation is answered from the session cache (free).

Because repeats are free, a converged population can stop producing anything new (seen on the
tied super-network spaces of notebook 06, where many vectors are one network): after
``max_stalled`` consecutive generations without a new architecture, one generation of
*random immigrants* (``population`` uniformly drawn unevaluated architectures) is evaluated and
handed to NSGA-II's survival with the population, so the run always spends its budget. A run that
never stalls is unaffected (same history as without the rule).
"""

from __future__ import annotations

import numpy as np
from pymoo.core.evaluator import Evaluator as PymooEvaluator
from pymoo.core.population import Population
from pymoo.core.termination import NoTermination
from pymoo.problems.static import StaticProblem

from nas_utils import config
from nas_utils.metrics import to_minimization
from nas_utils.search.base import TACTICS, SearchSession, Tactic
from nas_utils.search.evolution import GAOperators, IntegerProblem, make_nsga2


@TACTICS.register("nsga2")
class NSGA2Search(Tactic):
    name = "nsga2"

    def __init__(self, population: int = 50, mutation_prob: float = 1.0, mutation_eta: float = 20.0,
                 crossover_prob: float = 0.9, crossover_eta: float = 15.0, max_stalled: int = 20,
                 eliminate_duplicates: bool = True) -> None:
        config.check_range("nsga2.population", population, low=4)
        config.check_range("nsga2.max_stalled", max_stalled, low=1)
        config.check_range("nsga2.mutation_prob", mutation_prob, low=0.0, high=1.0)
        config.check_range("nsga2.crossover_prob", crossover_prob, low=0.0, high=1.0)
        self.population, self.max_stalled = population, max_stalled
        self.ops = GAOperators(crossover_prob, crossover_eta, mutation_prob, None, mutation_eta, eliminate_duplicates)

    def search(self, session: SearchSession, rng: np.random.Generator) -> None:
        objectives = session.evaluator.objectives
        problem = IntegerProblem(session.space, len(objectives))
        algorithm = make_nsga2(self.population, self.ops)
        algorithm.setup(problem, termination=NoTermination(), seed=int(rng.integers(2**31)), verbose=False)
        generation, stalled = 0, 0
        while not session.done:
            if stalled >= self.max_stalled:  # converged on known architectures: random immigrants
                X = session.sample_new(rng, self.population)
                pop, source, stalled = Population.new(X=X.astype(float)), "immigrant", 0
            else:
                pop, source = algorithm.ask(), "nsga2"
                X = np.rint(pop.get("X")).astype(np.int64)
            before = session.n_evaluated
            F = session.evaluate(X, iteration=generation, source=source)
            stalled = stalled + 1 if session.n_evaluated == before else 0
            PymooEvaluator().eval(StaticProblem(problem, F=to_minimization(F, objectives)), pop)
            algorithm.tell(infills=pop)
            generation += 1
