"""Search tactics behind one interface: ``run_search(tactic, evaluator, budget, seed)``.

Importing this package registers every tactic; ``TACTICS.names()`` lists them.
"""

from __future__ import annotations

from nas_utils.search import linas  # noqa: F401  (registers "linas", "linas_faithful")
from nas_utils.search import nsga2  # noqa: F401  (registers "nsga2")
from nas_utils.search import bo  # noqa: F401  (registers "bo")
from nas_utils.search import hvgain  # noqa: F401  (registers "hvgain")
from nas_utils.search import random_search  # noqa: F401  (registers "random")
from nas_utils.search import weak_mlp  # noqa: F401  (registers predictor "mlp_torch")
from nas_utils.search import weaknas  # noqa: F401  (registers "weaknas")
from nas_utils.search.base import TACTICS, AskTell, SearchSession, Tactic, make_tactic, run_ask_tell, run_search

__all__ = ["TACTICS", "AskTell", "SearchSession", "Tactic", "make_tactic", "run_ask_tell", "run_search"]
