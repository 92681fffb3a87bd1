"""Stage ``latency_collection`` (notebook 03): measure sub-networks of every super-network.

Samples sub-networks from each super-network, measures them on every available measurement
device (``nas_utils.latency.devices``) through the one entry point
``nas_utils.latency.measure.measure_many``, and checks the two measurement-quality targets:

* **repeatability**: the median over sub-networks of ``round_cv`` (CV of the medians of
  ``quality_rounds`` independent rounds of the same sub-network) is below 3 %;
* **rank stability**: two independent passes over ``quality_n`` sub-networks rank them with
  Spearman >= 0.98.

Latency does not depend on the weights, so untrained super-networks are measured (no checkpoint
dependency); the sub-network *structures* are exactly those the trained ones would produce.

The notebook calls the stage shape::

    cfg = config.parse("latency", params)
    result = run(cfg, progress=tqdm)            # every device, the quality passes, committed CUDA tables
    summary = summarise(result, cfg)            # typed LatencySummary (nas_utils.results.latency)
    write_outputs(out_dir, result, summary)     # parquet, rank_correlation.csv, summary.json
    figs = figures(result, summary)             # distributions, rank heatmap, spread
"""

from __future__ import annotations

import glob
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from torch import nn

from nas_utils import config
from nas_utils.claims import LATENCY_CV, LATENCY_SPEARMAN
from nas_utils.data import load_dataset
from nas_utils.io import write_parquet
from nas_utils.latency.measure import measure_many
from nas_utils.latency.devices import MEASURE_DEVICES, split_available
from nas_utils.latency.quality import spanning_sample, two_passes
from nas_utils.metrics import rank_correlation
from nas_utils.paths import project_root
from nas_utils.plotting import use_style
from nas_utils.schemas.latency import LatencyConfig
from nas_utils.stats import paired_ci
from nas_utils.scripts import OneLineParser, script_cli
import matplotlib.pyplot as plt  # noqa: E402  (after nas_utils.plotting chose the backend)
from matplotlib.figure import Figure  # noqa: E402

from nas_utils.results.latency import DeviceLatency, Environment, LatencySummary, QualityCheck, QualityDevice
from nas_utils.supernets import SuperNet, build_supernet

CV_TARGET = LATENCY_CV.low
SPEARMAN_TARGET = LATENCY_SPEARMAN.low


Progress = Callable[[Iterable[Any]], Iterable[Any]]


def sample_subnets(net: SuperNet, n: int, seed: int) -> tuple[np.ndarray, list[nn.Module]]:
    """``n`` distinct sub-networks (the smallest and largest always included), extracted."""
    rng = np.random.default_rng(seed)
    space = net.space
    ends = space.canonicalize(np.stack([np.zeros(space.n_var, dtype=np.int64), space.upper]))
    rest = space.sample_unique(rng, max(n - 2, 0), exclude=set(space.keys(ends)))
    X = np.vstack([ends, rest])[:n]
    return X, [net.subnet(x) for x in X]


def _sample_shape(net: SuperNet) -> tuple[int, ...]:
    return tuple(load_dataset(net.dataset).input_shape)


def collect(cfg: LatencyConfig, progress: Progress | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Long-format table (one row per sub-network x device) and the skip messages."""
    devices, skipped = split_available(cfg.devices)
    rows = []
    for k, name in enumerate(cfg.supernets):
        net = build_supernet(name)
        X, subs = sample_subnets(net, cfg.n_subnets, cfg.seed + k)
        shape = _sample_shape(net)
        meta = _meta(net, X)
        for dev in progress(devices) if progress else devices:
            records = measure_many(subs, dev, shape, cfg.settings(), rounds=cfg.rounds)
            rows += [{**m, **r.as_row()} for m, r in zip(meta, records)]
    return pd.DataFrame(rows), skipped


def _meta(net: SuperNet, X: np.ndarray) -> list[dict[str, Any]]:
    return [
        {"supernet": net.name, "subnet": i, "arch": net.space.to_string(x),
         "params": int(net.count_params(x)), "macs": int(net.count_macs(x))}
        for i, x in enumerate(X)
    ]


def quality(cfg: LatencyConfig) -> tuple[pd.DataFrame, QualityCheck]:
    """Two independent passes over ``quality_n`` sub-networks on each quality device.

    Returns the per-sub-network table (long over devices: the latency of each pass, the
    round CVs) and, per device, both targets' statistics. A pass is one
    :func:`measure_many` call with ``quality_rounds`` interleaved rounds; the two passes use
    different interleaving orders (seeds) and different input draws.
    """
    devices, skipped = split_available(cfg.quality_devices)
    net = build_supernet(cfg.quality_supernet)
    X, subs = spanning_sample(net, cfg.quality_n, cfg.seed + 1000)  # spread over the MAC (latency) range
    shape = _sample_shape(net)
    frames, rows = [], []
    for dev in devices:
        passes = two_passes(subs, dev, shape, cfg.settings(), cfg.quality_rounds)
        df = pd.DataFrame(_meta(net, X)).assign(device=dev.name)
        for p, recs in enumerate(passes, start=1):
            for name in ("latency_ms", "median_ms", "round_cv", "cv", "robust_cv", "load_avg_1m", "cpu_share",
                         "contended", "contention"):
                df[f"{name}_{p}"] = [getattr(r, name) for r in recs]
        frames.append(df)
        rows.append(_targets(dev.name, df, passes[0][0].as_row().get("cpu_count"), passes[0][0].clock))
    check = QualityCheck(cfg.quality_supernet, len(X), cfg.quality_rounds, cfg.statistic, rows, list(skipped))
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()), check


def _quality_intervals(df: pd.DataFrame, seed: int = 0) -> dict[str, list[float]]:
    """Bootstrap 95 % intervals of both targets' statistics, resampling the sub-networks (both passes
    of a sub-network together): how much the verdicts depend on which sub-networks were drawn."""
    cv = paired_ci((df["round_cv_1"], df["round_cv_2"]), lambda a, b: float(np.median(np.concatenate([a, b]))),
                   seed=seed)
    rho = paired_ci((df["latency_ms_1"], df["latency_ms_2"]), lambda a, b: float(spearmanr(a, b).statistic), seed=seed)
    return {"median_round_cv_ci": [cv.low, cv.high], "spearman_two_passes_ci": [rho.low, rho.high]}


def _targets(device: str, df: pd.DataFrame, cpu_count: Any, clock: str = "wall") -> QualityDevice:
    rho, tau = rank_correlation(df["latency_ms_1"].to_numpy(), df["latency_ms_2"].to_numpy())
    rho_median, _ = rank_correlation(df["median_ms_1"].to_numpy(), df["median_ms_2"].to_numpy())
    loads = df[["load_avg_1m_1", "load_avg_1m_2"]]
    return QualityDevice(
        device=device, median_round_cv=float(np.median(np.concatenate([df["round_cv_1"], df["round_cv_2"]]))),
        spearman_two_passes=float(rho), kendall_two_passes=float(tau),
        spearman_two_passes_median_statistic=float(rho_median),
        median_within_round_cv=float(np.median(df["cv_1"])),
        median_within_round_robust_cv=float(np.median(df["robust_cv_1"])),
        median_relative_difference=float(np.median(np.abs(df["latency_ms_1"] - df["latency_ms_2"]) / df["latency_ms_1"])),
        latency_range_ms=[float(df["latency_ms_1"].min()), float(df["latency_ms_1"].max())],
        load_avg_1m=[float(loads.min().min()), float(loads.max().max())],
        cpu_count=None if cpu_count is None else int(cpu_count), **_contention(df), clock=clock,
        **_quality_intervals(df))


def _contention(df: pd.DataFrame) -> dict[str, Any]:
    """How many quality records were marked contended, and the first contended record's reasons."""
    flags = pd.concat([df["contended_1"], df["contended_2"]]).astype(bool)
    reasons = pd.concat([df["contention_1"], df["contention_2"]])[flags.to_numpy()]
    share = pd.concat([df["cpu_share_1"], df["cpu_share_2"]]).astype(float)
    return {"contended_records": int(flags.sum()), "records": len(flags),
            "median_cpu_share": float(share.median()) if share.notna().any() else None,
            "contention": str(reasons.iloc[0]) if len(reasons) else ""}


_ENV_KEYS = ("cpu_model", "cpu_count", "affinity", "torch_version", "onnxruntime_version", "python_version", "gpu_model")


def load_cuda_tables(pattern: str) -> pd.DataFrame | None:
    """Committed CUDA measurements (versioned data under ``data/``), if any."""
    files = sorted(glob.glob(str(project_root() / pattern)))
    return pd.concat([pd.read_parquet(f).assign(source=Path(f).name) for f in files]) if files else None


# --- tables and figures ---------------------------------------------------------------------


def device_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per super-network and device: latency range, the median spread statistics, and how many records
    were marked contended (with the first marked record's reasons)."""
    def first_reason(reasons: pd.Series) -> str:
        marked = reasons[reasons.astype(str) != ""]
        return str(marked.iloc[0]) if len(marked) else ""

    return (
        table.groupby(["supernet", "device"])
        .agg(n=("latency_ms", "size"), median_latency_ms=("latency_ms", "median"), min_ms=("latency_ms", "min"),
             max_ms=("latency_ms", "max"), median_round_cv=("round_cv", "median"), median_cv=("cv", "median"),
             median_robust_cv=("robust_cv", "median"), contended_records=("contended", "sum"),
             contention=("contention", first_reason))
        .reset_index()
    )


def rank_matrix(table: pd.DataFrame) -> pd.DataFrame:
    """Spearman correlation between devices of the sub-network rankings (pooled per super-net)."""
    devices = sorted(table["device"].unique())
    out = pd.DataFrame(np.nan, index=devices, columns=devices)
    for a in devices:
        for b in devices:
            rhos = []
            for _, g in table.groupby("supernet"):
                wide = g.pivot(index="subnet", columns="device", values="latency_ms")
                if a in wide and b in wide:
                    rhos.append(rank_correlation(wide[a].to_numpy(), wide[b].to_numpy())[0])
            out.loc[a, b] = float(np.mean(rhos)) if rhos else np.nan
    return out


def plot_distributions(table: pd.DataFrame) -> Figure:
    nets = sorted(table["supernet"].unique())
    fig, axes = plt.subplots(1, len(nets), figsize=(5 * len(nets), 4), squeeze=False)
    for ax, name in zip(axes[0], nets):
        g = table[table["supernet"] == name]
        devs = sorted(g["device"].unique())
        ax.boxplot([g.loc[g["device"] == d, "latency_ms"] for d in devs], vert=False)
        ax.set_yticks(range(1, len(devs) + 1), devs)
        ax.set_xscale("log")
        ax.set_xlabel("latency per batch (ms)")
        ax.set_title(name)
    fig.tight_layout()
    return fig


def plot_rank_heatmap(matrix: pd.DataFrame) -> Figure:
    fig, ax = plt.subplots(figsize=(1 + 0.8 * len(matrix), 0.8 * len(matrix)))
    im = ax.imshow(matrix.to_numpy(), vmin=-1, vmax=1, cmap="RdBu_r")
    ax.set_xticks(range(len(matrix)), matrix.columns, rotation=60, ha="right")
    ax.set_yticks(range(len(matrix)), matrix.index)
    for i in range(len(matrix)):
        for j in range(len(matrix)):
            ax.text(j, i, f"{matrix.iat[i, j]:.2f}", ha="center", va="center", fontsize=7)
    fig.colorbar(im, ax=ax, label="Spearman rho")
    fig.tight_layout()
    return fig


def plot_spread(table: pd.DataFrame, quality_df: pd.DataFrame) -> Figure:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    devs = sorted(table["device"].unique())
    axes[0].boxplot([100 * table.loc[table["device"] == d, "round_cv"].dropna() for d in devs], vert=False)
    axes[0].set_yticks(range(1, len(devs) + 1), devs)
    axes[0].axvline(100 * CV_TARGET, color="red", ls="--", label="3 % target")
    axes[0].set_xlabel("CV of repeated rounds (%)")
    axes[0].legend()
    for dev, g in quality_df.groupby("device") if len(quality_df) else []:
        axes[1].loglog(g["latency_ms_1"], g["latency_ms_2"], ".", label=dev)
        if "contended_1" in g:
            bad = g[g["contended_1"].astype(bool) | g["contended_2"].astype(bool)]
            axes[1].loglog(bad["latency_ms_1"], bad["latency_ms_2"], "x", color="red", ms=4,
                           label=f"{dev}: contended ({len(bad)})" if len(bad) else None)
    if len(quality_df):
        lo = quality_df[["latency_ms_1", "latency_ms_2"]].min().min()
        hi = quality_df[["latency_ms_1", "latency_ms_2"]].max().max()
        axes[1].plot([lo, hi], [lo, hi], "k:", lw=1)
        axes[1].set_xlabel("pass 1 latency (ms)")
        axes[1].set_ylabel("pass 2 latency (ms)")
        axes[1].set_title("same sub-networks, two independent passes")
        axes[1].legend()
    fig.tight_layout()
    return fig


@dataclass
class LatencyRun:
    """Everything stage ``latency_collection`` measured."""

    table: pd.DataFrame
    skipped: list[str]
    quality_table: pd.DataFrame
    quality: QualityCheck
    cuda: pd.DataFrame | None
    ranks: pd.DataFrame = field(default_factory=pd.DataFrame)
    wall_time_s: float = 0.0


def run(cfg: LatencyConfig, progress: Progress | None = None) -> LatencyRun:
    """Measure every device, run the two quality passes, load the committed CUDA tables."""
    start = time.perf_counter()
    table, skipped = collect(cfg, progress)
    quality_df, check = quality(cfg)
    ranks = rank_matrix(table) if len(table) else pd.DataFrame()
    return LatencyRun(table, skipped, quality_df, check, load_cuda_tables(cfg.cuda_glob), ranks,
                      round(time.perf_counter() - start, 1))


def summarise(result: LatencyRun, cfg: LatencyConfig) -> LatencySummary:
    """Environment, devices measured/skipped, per-device latency, both quality targets."""
    table = result.table
    first = table.iloc[0] if len(table) else pd.Series(dtype=object)

    def opt(key: str, kind: type) -> Any:
        v = first.get(key)
        return None if v is None or (isinstance(v, float) and not np.isfinite(v)) else kind(v)

    env = Environment(cpu_model=opt("cpu_model", str), cpu_count=opt("cpu_count", int), affinity=opt("affinity", int),
                      torch_version=opt("torch_version", str), onnxruntime_version=opt("onnxruntime_version", str),
                      python_version=opt("python_version", str), gpu_model=opt("gpu_model", str))
    per_device = [DeviceLatency(str(r.supernet), str(r.device), int(r.n), float(r.median_latency_ms), float(r.min_ms),
                                float(r.max_ms), float(r.median_round_cv), float(r.median_cv), float(r.median_robust_cv),
                                contended_records=int(r.contended_records), contention=str(r.contention))
                  for r in device_summary(table).itertuples()] if len(table) else []
    return LatencySummary(
        environment=env,
        devices_measured=sorted(map(str, table["device"].unique())) if len(table) else [],
        devices_skipped=list(result.skipped), n_rows=len(table), per_device=per_device, quality=result.quality,
        cuda_tables=[] if result.cuda is None else sorted(map(str, result.cuda["source"].unique())),
        cuda_measured_in_this_run=bool(len(table) and (table["target"] == "cuda").any()),
        wall_time_s=result.wall_time_s)


def write_outputs(out_dir: str | Path, result: LatencyRun, summary: LatencySummary) -> None:
    """Measurement tables (parquet), the device rank-correlation matrix and ``summary.json``."""
    out = Path(out_dir)
    write_parquet(out / "latency.parquet", result.table)
    write_parquet(out / "quality.parquet", result.quality_table)
    from nas_utils.io import atomic_path

    with atomic_path(out / "rank_correlation.csv") as tmp:
        result.ranks.to_csv(tmp)
    summary.save(out / "summary.json")


def figures(result: LatencyRun, summary: LatencySummary) -> dict[str, Figure]:
    use_style()
    return {"latency_distributions": plot_distributions(result.table),
            "rank_correlation": plot_rank_heatmap(result.ranks),
            "measurement_spread": plot_spread(result.table, result.quality_table)}


def cuda_text(table: pd.DataFrame, cuda: pd.DataFrame | None) -> str:
    measured = bool(len(table) and (table["target"] == "cuda").any())
    here = "CUDA was measured in this run." if measured else "No CUDA device was measured in this run (no GPU visible)."
    if cuda is None:
        return here + " No committed CUDA table was found, so there is no CUDA data to show."
    gpus = ", ".join(sorted(map(str, cuda["gpu_model"].dropna().unique()))) or "unknown GPU"
    return here + f" Showing the committed CUDA table ({', '.join(sorted(cuda['source'].unique()))}; {gpus}; {len(cuda)} records)."


def write_cuda_table(out_dir: str | Path, cfg: LatencyConfig | None = None) -> Path:
    """Measure the ``cuda_*`` devices with the stage's parameters; write a provenance-named table.

    Raises:
        DeviceUnavailableError: when no CUDA GPU is visible.
    """
    from nas_utils.latency.devices import get_device

    base = cfg or config.load("latency")
    cuda_devices = [n for n in MEASURE_DEVICES.names() if get_device(n).target == "cuda"]
    for name in cuda_devices:
        get_device(name).check_available()
    cfg = config.parse("latency", {**config.as_dict(base), "devices": cuda_devices})
    table, _ = collect(cfg)
    gpu = str(table["gpu_model"].iloc[0]).lower().replace(" ", "-")
    path = Path(out_dir) / f"latency_cuda_{gpu}_pt{table['torch_version'].iloc[0].split('+')[0]}.parquet"
    write_parquet(path, table)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m nas_utils.experiments.latency_collection", description="Measure the CUDA devices and save the table as versioned data.")
    parser.add_argument("--cuda-table", required=True, metavar="DIR", help="directory for the table (data/measured)")
    args = parser.parse_args(argv)
    print(f"wrote {write_cuda_table(args.cuda_table)}")
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
