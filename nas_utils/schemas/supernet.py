"""Schema of ``params.yaml: supernet`` (stage ``supernet``, notebook 02)."""

from __future__ import annotations

from dataclasses import dataclass

from nas_utils import config


@config.section("supernet")
@dataclass(frozen=True)
class SupernetConfig:
    """Parameters of the training-comparison stage (``params.yaml: supernet``)."""

    early_dir: str
    checkpoint_dir: str
    n_eval: int
    eval_every: int
    mac_quantiles: tuple[float, ...]
    hv_tolerance: float
    eval_protocol: str
    seed: int

    def __post_init__(self) -> None:
        config.check_range("supernet.n_eval", self.n_eval, low=2)
        config.check_range("supernet.eval_every", self.eval_every, low=1)
        config.check_nonempty("supernet.mac_quantiles", self.mac_quantiles)
        for q in self.mac_quantiles:
            config.check_range("supernet.mac_quantiles", q, low=0.0, high=1.0)
        config.check_range("supernet.hv_tolerance", self.hv_tolerance, low=0.0, high=0.5)
        config.check_choice("supernet.eval_protocol", self.eval_protocol, ("own_space", "shared"))
