"""Schema of ``params.yaml: search`` (stage ``search``, notebook 05).

The stage runs on an explicit list of *cells*, each ``"<dataset>/<device>"`` (NB201 accuracy
column / HELP latency device), not on a cross product: the pre-registered test cells are
``nas_utils.search.tuning.TEST_CELLS`` (tactics are tuned on ``DEV_CELLS`` only).

>>> parse_cell("search.cells", "cifar10/pixel2")
('cifar10', 'pixel2')
>>> parse_cell("search.cells", "cifar10-pixel2")
Traceback (most recent call last):
...
nas_utils.errors.ConfigError: search.cells='cifar10-pixel2' is not valid; valid: '<dataset>/<device>', e.g. 'cifar10/gold_6226'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nas_utils import config
from nas_utils.errors import ConfigError
from nas_utils.latency.benchmark_devices import devices_for
from nas_utils.search import TACTICS, make_tactic
from nas_utils.tables import DATASETS


def parse_cell(key: str, cell: str) -> tuple[str, str]:
    """``"cifar10/pixel2"`` -> ``("cifar10", "pixel2")``; a bad dataset or device -> one-line ConfigError."""
    parts = cell.split("/") if isinstance(cell, str) else []
    if len(parts) != 2:
        raise ConfigError(f"{key}={cell!r} is not valid; valid: '<dataset>/<device>', e.g. 'cifar10/gold_6226'")
    dataset, device = parts
    if dataset not in DATASETS:
        raise ConfigError(f"{key}={cell!r} is not valid: dataset {dataset!r}; valid choices: {', '.join(DATASETS)}")
    devices = devices_for("nb201")
    if device not in devices:
        raise ConfigError(f"{key}={cell!r} is not valid: device {device!r}; valid choices: {', '.join(devices)}")
    return dataset, device


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

    cells: tuple[str, ...]
    tactics: tuple[str, ...]
    seeds: int
    tactic_seeds: dict[str, int]
    budget: int
    thresholds: tuple[float, ...]
    paper_linas_evals: int
    timing_budget: int
    timing_seeds: int
    tactic_params: dict[str, Any]
    near_limit_tactic: str

    def __post_init__(self) -> None:
        config.check_nonempty("search.cells", self.cells)
        for cell in self.cells:
            parse_cell("search.cells", cell)
        if len(set(self.cells)) != len(self.cells):
            twice = next(c for c in self.cells if self.cells.count(c) > 1)
            raise ConfigError(f"search.cells={twice!r} is listed twice; each cell once")
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
        config.check_choice("search.near_limit_tactic", self.near_limit_tactic, TACTICS.names())

    def cell_pairs(self) -> list[tuple[str, str]]:
        """The cells as ``(dataset, device)`` pairs, in the configured order."""
        return [parse_cell("search.cells", c) for c in self.cells]

    def seeds_of(self, tactic: str) -> int:
        """Runs per (cell, tactic): ``tactic_seeds`` overrides ``seeds`` for costly tactics."""
        return int(self.tactic_seeds.get(tactic, self.seeds))

    def params_of(self, tactic: str) -> dict[str, Any]:
        return dict(self.tactic_params.get(tactic, {}))
