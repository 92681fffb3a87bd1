"""Schema of ``params.yaml: search_supernet`` (stage ``search_supernet``, notebook 06)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nas_utils import config
from nas_utils.backends import BACKENDS
from nas_utils.errors import ConfigError
from nas_utils.latency.devices import MEASURE_DEVICES
from nas_utils.latency.measure import MeasureSettings, with_timing
from nas_utils.predictors import PREDICTORS
from nas_utils.schemas.search import check_tactic_params
from nas_utils.search import TACTICS
from nas_utils.supernets import SUPERNETS

LATENCY_SOURCES = ("predicted", "measured")
TIMING_REQUIRED = ("repeats", "warmup", "min_block_ms", "statistic", "rounds")  # as params.yaml's latency section


@config.section("search_supernet")
@dataclass(frozen=True)
class SearchSupernetConfig:
    """Parameters of the ``search_supernet`` stage (``params.yaml: search_supernet``).

    Every family in ``supernets`` is searched on the sub-space its ``ties`` leave (tabulated once
    per checkpoint, :mod:`nas_utils.supernets.subspace`). The evaluation backend and its workers
    are runtime settings (:mod:`nas_utils.runtime`), not parameters: results do not depend on
    them. ``speedup_backends`` names the backends the speed-up check compares with serial
    evaluation.
    """

    supernets: tuple[str, ...]
    checkpoint: str      # path template, "{supernet}" replaced by each family ("" = untrained, smoke tests)
    ties: dict[str, Any]  # family -> glob patterns of variables sharing one choice (the tabulated sub-space)
    tactics: tuple[str, ...]
    seeds: int
    budget: int
    budgets: dict[str, Any]  # family -> its budget where it differs from ``budget``
    thresholds: tuple[float, ...]
    paper_linas_evals: int
    latency_source: str
    latency_device: str
    latency_timing: dict[str, Any]  # MeasureSettings fields and "rounds": how latency_k + latency_test are timed
    latency_k: int
    latency_test: int
    latency_predictor: str
    latency_store: str   # versioned measurements of the latency sample (JSON, project-relative; "" = none)
    calib: int
    speedup_batch: int
    speedup_backends: tuple[str, ...]
    tactic_params: dict[str, Any]
    eval_cache: str      # on-disk evaluation cache ("" = none)
    seed: int

    def __post_init__(self) -> None:
        config.check_nonempty("search_supernet.supernets", self.supernets)
        config.check_choices("search_supernet.supernets", self.supernets, SUPERNETS.names())
        if self.checkpoint and "{supernet}" not in self.checkpoint:
            raise ConfigError(f"search_supernet.checkpoint={self.checkpoint!r} must contain '{{supernet}}' "
                              "(e.g. checkpoints/{supernet}/full.pt) or be empty")
        if not isinstance(self.ties, dict) or any(not isinstance(v, (list, tuple)) for v in self.ties.values()):
            raise ConfigError("search_supernet.ties must map a super-network to a list of glob patterns")
        config.check_choices("search_supernet.ties", tuple(self.ties), SUPERNETS.names())
        config.check_nonempty("search_supernet.tactics", self.tactics)
        config.check_choices("search_supernet.tactics", self.tactics, TACTICS.names())
        config.check_range("search_supernet.seeds", self.seeds, low=1)
        config.check_range("search_supernet.budget", self.budget, low=2)
        if not isinstance(self.budgets, dict):
            raise ConfigError(f"search_supernet.budgets={self.budgets!r} must map a super-network to its budget")
        config.check_choices("search_supernet.budgets", tuple(self.budgets), SUPERNETS.names())
        for family, budget in self.budgets.items():
            if isinstance(budget, bool) or not isinstance(budget, int):
                raise ConfigError(f"search_supernet.budgets.{family}={budget!r} is not valid; valid: an integer >= 2")
            config.check_range(f"search_supernet.budgets.{family}", budget, low=2)
        for t in self.thresholds:
            config.check_range("search_supernet.thresholds", t, low=0.0, high=1.0)
        config.check_range("search_supernet.paper_linas_evals", self.paper_linas_evals, low=1,
                           high=min(self.budget_of(f) for f in self.supernets))
        config.check_choice("search_supernet.latency_source", self.latency_source, LATENCY_SOURCES)
        config.check_choice("search_supernet.latency_device", self.latency_device, MEASURE_DEVICES.names())
        self.timing()  # checks latency_timing: missing and unknown keys, types, ranges
        config.check_range("search_supernet.latency_k", self.latency_k, low=3)
        config.check_range("search_supernet.latency_test", self.latency_test, low=0)
        config.check_choice("search_supernet.latency_predictor", self.latency_predictor, PREDICTORS.names())
        config.check_range("search_supernet.calib", self.calib, low=1)
        config.check_range("search_supernet.speedup_batch", self.speedup_batch, low=0)
        config.check_choices("search_supernet.speedup_backends", self.speedup_backends, BACKENDS.names())
        check_tactic_params("search_supernet.tactic_params", self.tactic_params)

    def timing(self) -> tuple[MeasureSettings, int]:
        """How the latency objective's sub-networks are timed: the settings and the interleaved rounds.

        Raises:
            ConfigError: a missing or unknown key, or a bad value (one line naming it).
        """
        key = "search_supernet.latency_timing"
        missing = [k for k in TIMING_REQUIRED if k not in self.latency_timing]
        if missing:
            raise ConfigError(f"{key} lacks {', '.join(missing)}; required: {', '.join(TIMING_REQUIRED)}")
        return with_timing(MeasureSettings(seed=self.seed), 1, self.latency_timing, key)

    def measure_settings(self) -> MeasureSettings:
        return self.timing()[0]

    @property
    def latency_rounds(self) -> int:
        """Interleaved rounds per measured sub-network (the lowest kept)."""
        return self.timing()[1]

    def budget_of(self, supernet: str) -> int:
        """Evaluations per run on one family: its entry of ``budgets``, else ``budget``."""
        return int(self.budgets.get(supernet, self.budget))

    def params_of(self, tactic: str) -> dict[str, Any]:
        return dict(self.tactic_params.get(tactic, {}))

    def checkpoint_of(self, supernet: str) -> str:
        """The checkpoint file of one family ("" = an untrained super-network)."""
        return self.checkpoint.replace("{supernet}", supernet)

    def ties_of(self, supernet: str) -> tuple[str, ...]:
        return tuple(self.ties.get(supernet, ()))
