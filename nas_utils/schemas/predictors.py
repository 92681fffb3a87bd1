"""Schema of ``params.yaml: predictors`` (stage ``predictor_transfer``, notebook 04)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nas_utils import config
from nas_utils.errors import ConfigError
from nas_utils.schemas.search import check_tactic_params
from nas_utils.search import TACTICS
from nas_utils.transfer.methods import METHODS, TransferSettings
from nas_utils.transfer.samplers import SAMPLERS
from nas_utils.transfer.study import PROTOCOLS
from nas_utils.transfer.tasks import TASKS, UNAVAILABLE


@config.section("predictors")
@dataclass(frozen=True)
class PredictorsConfig:
    """params.yaml section ``predictors`` (see the notebook's parameters cell for meanings)."""

    tasks: tuple[str, ...]
    method: str  # the pre-registered headline method (fixed on development tasks)
    methods: tuple[str, ...]
    ks: tuple[int, ...]
    network_ks: tuple[int, ...]
    trials: int
    sampler: str
    n_pretrain_nb201: int
    n_pretrain_fbnet: int
    pretrain_epochs: int
    pretrain_lr: float
    finetune_epochs: int
    finetune_lr: float
    finetune_batch: int
    hidden: int
    layers: int
    prune: bool
    help_episodes: int
    help_episodes_fbnet: int
    protocols: tuple[str, ...]
    ablation_task: str
    ablation_k: int
    ablation_trials: int
    ablation_methods: tuple[str, ...]
    ablation_samplers: tuple[str, ...]
    search_method: str
    search_tactic: str
    search_tactic_params: dict[str, Any]  # tactic -> settings: notebook 05's (tests/test_config.py holds them equal)
    search_k: int
    search_budget: int
    search_front_budget: int
    search_baseline_budget: int
    search_seeds: int
    seed: int

    def __post_init__(self) -> None:
        config.check_nonempty("predictors.tasks", self.tasks)
        for t in self.tasks + (self.ablation_task,):
            if t in UNAVAILABLE:
                raise ConfigError(f"predictors.tasks: {t} is unavailable ({UNAVAILABLE[t]})")
        config.check_choices("predictors.tasks", self.tasks, TASKS.names())
        config.check_choice("predictors.ablation_task", self.ablation_task, TASKS.names())
        config.check_choices("predictors.methods", self.methods, METHODS.names())
        config.check_choice("predictors.method", self.method, METHODS.names())
        config.check_choices("predictors.protocols", self.protocols, PROTOCOLS)
        config.check_choices("predictors.ablation_methods", self.ablation_methods, METHODS.names())
        config.check_choice("predictors.sampler", self.sampler, SAMPLERS.names())
        config.check_choices("predictors.ablation_samplers", self.ablation_samplers, SAMPLERS.names())
        config.check_choice("predictors.search_method", self.search_method, METHODS.names())
        config.check_choice("predictors.search_tactic", self.search_tactic, TACTICS.names())
        check_tactic_params("predictors.search_tactic_params", self.search_tactic_params)
        config.check_nonempty("predictors.ks", self.ks)
        config.check_choices("predictors.network_ks", self.network_ks, self.ks)
        for k in self.ks + (self.ablation_k, self.search_k):
            config.check_range("predictors.ks", k, low=2, high=5000)
        for key in ("trials", "help_episodes", "help_episodes_fbnet", "ablation_trials", "finetune_batch", "search_seeds", "pretrain_epochs",
                    "finetune_epochs", "hidden", "layers", "search_front_budget"):
            config.check_range(f"predictors.{key}", getattr(self, key), low=1)
        config.check_range("predictors.n_pretrain_nb201", self.n_pretrain_nb201, low=2, high=900)
        config.check_range("predictors.n_pretrain_fbnet", self.n_pretrain_fbnet, low=2, high=4000)
        config.check_range("predictors.pretrain_lr", self.pretrain_lr, low=1e-6, high=1.0)
        config.check_range("predictors.finetune_lr", self.finetune_lr, low=1e-6, high=1.0)
        config.check_range("predictors.search_budget", self.search_budget, low=self.search_k + 1, high=15625)
        config.check_range("predictors.search_baseline_budget", self.search_baseline_budget, low=2, high=15625)

    def settings(self) -> TransferSettings:
        return TransferSettings(pretrain_epochs=self.pretrain_epochs, pretrain_lr=self.pretrain_lr,
                                finetune_epochs=self.finetune_epochs, finetune_lr=self.finetune_lr,
                                finetune_batch=self.finetune_batch,
                                hidden=self.hidden, layers=self.layers, help_episodes=self.help_episodes,
                                help_episodes_fbnet=self.help_episodes_fbnet)

    def all_methods(self) -> list[str]:
        """The pre-registered method first, then the compared methods (baselines, HELP, ...)."""
        return list(dict.fromkeys((self.method, *self.methods)))

    def n_pretrain(self, space: str) -> int:
        return self.n_pretrain_nb201 if space == "nb201" else self.n_pretrain_fbnet
