"""Schema of ``params.yaml: search`` (stage ``search``, notebook 05)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nas_utils import config
from nas_utils.errors import ConfigError
from nas_utils.latency.benchmark_devices import devices_for
from nas_utils.search import TACTICS, make_tactic
from nas_utils.tables import DATASETS


def check_tactic_params(key: str, tactic_params: Any) -> None:
    """A mapping tactic -> hyper-parameters, each accepted by the tactic (unknown key -> ConfigError)."""
    if not isinstance(tactic_params, dict):
        raise ConfigError(f"{key} must be a mapping of tactic name -> parameters")
    for name, params in tactic_params.items():
        config.check_choice(key, name, TACTICS.names())
        if not isinstance(params, dict):
            raise ConfigError(f"{key}.{name} must be a mapping, got {params!r}")
        make_tactic(name, **params)  # unknown hyper-parameter -> ConfigError naming it


@config.section("search")
@dataclass(frozen=True)
class SearchConfig:
    """Parameters of the search-comparison stage (``params.yaml: search``)."""

    datasets: tuple[str, ...]
    devices: tuple[str, ...]
    tactics: tuple[str, ...]
    seeds: int
    tactic_seeds: dict[str, int]
    budget: int
    thresholds: tuple[float, ...]
    paper_linas_evals: int
    timing_budget: int
    timing_seeds: int
    tactic_params: dict[str, Any]

    def __post_init__(self) -> None:
        config.check_nonempty("search.datasets", self.datasets)
        config.check_choices("search.datasets", self.datasets, DATASETS)
        config.check_nonempty("search.devices", self.devices)
        config.check_choices("search.devices", self.devices, devices_for("nb201"))
        config.check_nonempty("search.tactics", self.tactics)
        config.check_choices("search.tactics", self.tactics, TACTICS.names())
        config.check_range("search.seeds", self.seeds, low=1)
        if not isinstance(self.tactic_seeds, dict):
            raise ConfigError("search.tactic_seeds must be a mapping of tactic name -> number of seeds")
        for name, n in self.tactic_seeds.items():
            config.check_choice("search.tactic_seeds", name, TACTICS.names())
            config.check_range(f"search.tactic_seeds.{name}", n, low=1)
        config.check_range("search.budget", self.budget, low=1, high=15_625)
        config.check_range("search.paper_linas_evals", self.paper_linas_evals, low=1, high=self.budget)
        config.check_range("search.timing_budget", self.timing_budget, low=0, high=15_625)
        config.check_range("search.timing_seeds", self.timing_seeds, low=0)
        for t in self.thresholds:
            config.check_range("search.thresholds", t, low=0.0, high=1.0)
        check_tactic_params("search.tactic_params", self.tactic_params)

    def seeds_of(self, tactic: str) -> int:
        """Runs per (device, tactic): ``tactic_seeds`` overrides ``seeds`` for costly tactics."""
        return int(self.tactic_seeds.get(tactic, self.seeds))

    def params_of(self, tactic: str) -> dict[str, Any]:
        return dict(self.tactic_params.get(tactic, {}))
