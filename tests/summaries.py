"""One small, typed example of every stage summary (shared by the results and report tests)."""

from __future__ import annotations

from nas_utils.results import (
    LatencySummary, PredictorsSummary, SearchSummary, SearchSupernetSummary, SparseNASSummary, SupernetSummary,
)
from nas_utils.results.latency import DeviceLatency, Environment, QualityCheck, QualityDevice
from nas_utils.results.predictors import HelpBudgetRow, LoopSettingRow, SearchLoopResult, SpearmanResult, TaskBest
import dataclasses
from dataclasses import replace

from nas_utils.results.search import (
    CellSummary, ComparisonSummary, FaithfulCheck, GapResult, IGDResult, MatchResult, OracleResult, PriorTrackResult, RatioResult,
    TacticResult, ThresholdResult, TimingResult, TuningEvals, TuningVariant,
)
from nas_utils.results.search_supernet import BackendCheck, BudgetChoice, DevChoice, BackendRun, FamilySpace, LatencyObjective, TacticTime
from nas_utils.results.sparsenas import FilterFamily, PredictorScore
from nas_utils.results.supernet import FamilySpeedup, SeedSpeedup, TrainingFamily

INF = float("inf")


def cell(dataset: str, device: str, thresholds: tuple[float, ...] = (0.99, 0.995)) -> CellSummary:
    tactics = [TacticResult("linas", 10, 0.998, 3.2), TacticResult("nsga2", 10, 0.991, 0.5),
               TacticResult("weaknas", 10, 0.985)]
    rows, ratios = [], []
    for thr in thresholds:
        rows += [ThresholdResult("linas", thr, 10, 40.0, 30.0, 55.0, 28.0, 60.0, 1.0),
                 ThresholdResult("nsga2", thr, 10, 150.0, 120.0, 200.0, 110.0, 230.0, 0.9),
                 ThresholdResult("weaknas", thr, 10, INF, 250.0, INF, 220.0, INF, 0.3)]
        ratios += [RatioResult("nsga2", "linas", thr, 3.75, 2.4, 5.9),
                   RatioResult("weaknas", "linas", thr, 7.5, 5.0, INF, "lower")]
    return CellSummary(dataset, device, tactics, rows, ratios, 100, 0.97,
                       [MatchResult("weaknas", INF, None, 301.0, INF, 10), MatchResult("linas", 98.0, 0.98, 80.0, 120.0, 10)])


def search_cell(dataset: str, device: str, thresholds: tuple[float, ...] = (0.99, 0.995)) -> CellSummary:
    """:func:`cell` with stage ``search``'s extras: the near-front view, IGD+, CPU seconds, the reference point,
    the oracle bound."""
    base = cell(dataset, device, thresholds)
    near = [replace(r, view="near_front", median=r.median + 50, ci_high=r.ci_high + 50) for r in base.thresholds]
    near_ratios = [replace(r, view="near_front") for r in base.ratios]
    tactics = [replace(t, final_hv_near_median=t.final_hv_median - 0.05, median_run_cpu_s=1.5) for t in base.tactics]
    igd = [IGDResult(t.tactic, n, 10, 0.01 * (k + 1) / n * 100, 0.005, 0.03) for k, t in enumerate(base.tactics)
           for n in (100, 300)]
    oracle = [OracleResult(thr, 4 + k + 3 * (view == "near_front"), view)
              for view in ("space", "near_front") for k, thr in enumerate(thresholds)]
    return replace(base, tactics=tactics, thresholds=base.thresholds + near, ratios=base.ratios + near_ratios,
                   near_front_ref={"accuracy": 90.745, "latency": 27.1}, igd=igd, oracle=oracle)


def search() -> SearchSummary:
    pixel2 = search_cell("cifar10", "pixel2")
    tuning = [TuningVariant("bo", "bo mixed", c, 2, [TuningEvals(0.99, 80.0, 1.0), TuningEvals(0.995, INF, 0.5)],
                            0.994, 65.0, "tuning_bo.csv", "kernel=mixed", True)
              for c in ("cifar100/samsung_a50", "cifar100/1080ti_1")]
    return SearchSummary(method="normalised HV; see `nas_utils.metrics`", budget=300,
                         seeds_per_tactic={"linas": 10, "nsga2": 10, "weaknas": 10}, thresholds=[0.99, 0.995],
                         cells=[pixel2, search_cell("cifar10", "raspi4")],
                         timing=TimingResult("linas", 500, "pixel2", 1, [20.5, 22.0, 21.1], 21.1),
                         dev_cells=["cifar100/samsung_a50", "cifar100/1080ti_1", "cifar100/silver_4114"],
                         test_cells=["cifar10/gold_6226", "cifar10/pixel2", "cifar10/raspi4", "imagenet16/pixel3"],
                         tuning=tuning,
                         faithful=[FaithfulCheck("cifar10/pixel2", 0.99, 77.0, pixel2.threshold("linas", 0.99)),
                                   FaithfulCheck("cifar10/gold_6226", 0.99, 116.0, None)],
                         grid_cpu_s={"linas": 30.0, "nsga2": 5.0, "weaknas": 90.0}, near_limit_tactic="linas",
                         near_limit_gaps=[GapResult("cifar10/pixel2", "linas", 60, 10, 0.0123, [0.7, 0.2, 0.05])],
                         prior_track=[PriorTrackResult("cifar10/pixel2", "linas", "stack_linear_blocks", 20, 300, 0.95,
                                                       [ThresholdResult("linas", 0.99, 5, 30.0, 25.0, 35.0, 21.0,
                                                                        41.0, 1.0)])],
                         prior_oracles=[PriorTrackResult(cell, "linas", m, 0, 300, rho,
                                                         [ThresholdResult("linas", 0.995, seeds, n, n, n, n - 5, n + 5,
                                                                          1.0)], src, prior, [OracleResult(0.995, 8)])
                                        for cell, seeds, src in (("cifar100/silver_4114", 3, "prior_track_dev.csv"),
                                                                 ("cifar10/pixel2", 5, "prior_oracles.csv"))
                                        for prior, m, rho, n in (("exact_latency", "true latency (oracle)", 1.0, 80.0),
                                                                 ("exact_accuracy", "true accuracy (oracle)", None, 60.0),
                                                                 ("exact_both", "true accuracy and latency (oracle)",
                                                                  1.0, 25.0),
                                                                 ("none", "none", None, 150.0))
                                        if not (prior == "none" and cell == "cifar10/pixel2")],
                         seed_record=ComparisonSummary("every tactic with the stage's settings on the test cells, "
                                                       "`data/preregistration/search/seed_record.csv`", 300,
                                                       {"linas": 10, "nsga2": 10, "weaknas": 10}, [0.99, 0.995],
                                                       [search_cell("cifar10", "pixel2")]),
                         seed_record_stale=3, seed_record_agreement={"linas": [10, 10], "weaknas": [8, 10]})


def search_supernet() -> SearchSupernetSummary:
    lat = LatencyObjective("predicted", "onnxruntime_cpu_1", "ridge", 40, 20, 0.92, 0.8, 0.06, [0.08, 0.22], "AMD EPYC")
    return SearchSupernetSummary(
        method="exact front", budget=150, seeds_per_tactic={"linas": 5, "nsga2": 5}, thresholds=[0.99],
        cells=[replace(cell("mbv3_1d", "onnxruntime_cpu_1", (0.99,)), oracle=[OracleResult(0.99, 6)]),
               cell("resnet_1d", "onnxruntime_cpu_1", (0.99,))],
        reference="exact front",
        families=[FamilySpace("mbv3_1d", "checkpoints/mbv3_1d/full.pt", "3 free variables; tied: k* (9 variables)",
                              2187, 31, 0, 12.5, 0.061, lat),
                  FamilySpace("resnet_1d", "checkpoints/resnet_1d/full.pt", "6 free variables", 2187, 25, 2187, 80.0,
                              None, LatencyObjective("measured", "onnxruntime_cpu_1"), immigrant_runs=1)],
        backend="process", workers=2,
        backend_check=BackendCheck(16, 2, [BackendRun("serial", 1, 1.4, True), BackendRun("process", 1, 2.0, True),
                                           BackendRun("process", 2, 1.0, True), BackendRun("ray", 2, error="no ray")]),
        times=[TacticTime("mbv3_1d", "linas", 4.0, 9.2), TacticTime("resnet_1d", "linas", 3.5, None)],
        evaluations_computed=2187, wall_time_s=88.0, budgets={"mbv3_1d": 150, "resnet_1d": 300},
        budget_record=[BudgetChoice("resnet_1d", 600, 5, True, {"linas": {"250": 0, "300": 1}, "weaknas": {"250": 2, "300": 4}},
                                    300, True, "budget_resnet_1d.csv")],
        budget_rule={"threshold": 0.99, "min_seeds": 3},
        dev_record=[DevChoice("bo", "stage setting when recorded", "{}", {"mbv3_1d": 251.0}, 251.0, 0.0, 0.0, False,
                              False, False, 5, 250, "dev_bo.csv", cpu_s=9.0),
                    DevChoice("bo", "ordinal=true", '{"ordinal": true}', {"mbv3_1d": 121.0}, 121.0, -0.52, -0.52, True,
                              False, False, 5, 250, "dev_bo.csv", cpu_s=80.0),
                    DevChoice("bo", "ordinal=true, refit_every=3", '{"ordinal": true, "refit_every": 3}', {"mbv3_1d": 111.0},
                              111.0, -0.56, -0.56, True, True, True, 5, 250, "dev_bo.csv", cpu_s=30.0)],
        dev_rule={"threshold": 0.995, "gain": 0.1, "worse": 0.1},
        cost_record=[DevChoice("bo", "stage setting when recorded", '{"ordinal": true, "refit_every": 3}',
                               {"mbv3_1d": 111.0}, 111.0, 0.0, 0.0, False, False, False, 5, 250, "cost_bo.csv", cpu_s=30.0),
                     DevChoice("bo", "fit_maxiter=50", '{"fit_maxiter": 50, "ordinal": true, "refit_every": 3}',
                               {"mbv3_1d": 114.0}, 114.0, 0.027, 0.027, True, True, True, 5, 250, "cost_bo.csv", cpu_s=8.0)],
        cost_rule={"threshold": 0.995, "mean_worse": 0.05, "worse": 0.1})


def predictors() -> PredictorsSummary:
    return PredictorsSummary(
        protocol="all_archs", spearman=[SpearmanResult("all_archs", "ND", "mlp", 5, 0.95, 0.01, 3),
                                        SpearmanResult("help_800", "ND", "gnn", 10, 0.94, None, 3),
                                        SpearmanResult("help_800", "ND", "help", 10, 0.86, 0.01, 5, 0.85, 0.87)],
        targets=[TaskBest("ND", "all_archs", "mlp", 20, 0.97, 0.01, "mlp", 20, 0.97, 0.959, 0.948, 3),
                 TaskBest("F4", "all_archs", "flops", 5, 0.70, 0.0, "gnn", 20, 0.65, 0.734, 0.799, 3),
                 TaskBest("ND", "help_800", "gnn", 10, 0.94, None, nasflat=None, help_by_nasflat=0.932)],
        search_loop=SearchLoopResult("nsga2", "mlp", "pixel2", 20, 300, 20, 38.3, 0.985, 0.998, 175.3, 1.0, 4.67,
                                     3.9, 5.2),
        timings_s={"ND": 12.5}, help_episodes=500, help_target_scale="pool",
        help_budget=[HelpBudgetRow("dev_ND", "pool", 500, 3, 0.80, 0.75, 0.85, 0.04, 0.01, 0.07, 90.0),
                     HelpBudgetRow("dev_ND", "pool", 2000, 3, 0.84, 0.80, 0.88, 0.0, 0.0, 0.0, 360.0),
                     HelpBudgetRow("dev_ND", "measured", 500, 3, 0.70, None, None, 0.02, None, None, 90.0)],
        loop_settings=[LoopSettingRow(10, 10, 15, 9.5, 8.0, 11.0, 20.0, 0.985, 0, True),
                       LoopSettingRow(5, 0, 15, 5.0, 3.0, 7.0, 50.0, 0.993, 0, False)])


def sparsenas() -> SparseNASSummary:
    return SparseNASSummary([FilterFamily("mbv3_1d", "mnist1d", 3, 1, 200, 200, "xgb",
                                          [PredictorScore("xgb", 0.8, 0.7, 0.85, 0.6),
                                           PredictorScore("mlp", None, None, None, None)],
                                          200, 2000, 0.1, 10**6, 4.4, 4.5, 0.3, 40.0, 70.0, 7.5)])


def family_speedup(family: str, seeds: int, speedup: float | None, low: float | None, high: float | None, bound: str,
                   reached: int, ceiling: tuple[float, float, float], t_full: float, overheads: tuple[float, float, float],
                   target: float, rho: tuple[float | None, ...],
                   grid: tuple[float | None, float | None, float | None] = (3.5, 3.3, 3.7)) -> FamilySpeedup:
    """``rho``: the early predictor's out-of-fold Spearman, its interval, and its Spearman against the final ranks;
    ``grid``: the largest speedup the budget grid can show, with its interval."""
    return FamilySpeedup(family, seeds, speedup, low, high, bound, reached, *ceiling, t_full, *overheads,  # type: ignore[arg-type]
                         target, *rho, 0.1, *grid)


def training_family(common: FamilySpeedup, final: tuple[float, float], per_seed: list[SeedSpeedup]) -> TrainingFamily:
    fields = {f.name: getattr(common, f.name) for f in dataclasses.fields(common)}
    return TrainingFamily(**fields, full_budgets=[4, 8], sparse_budgets=[1, 3], final_quality_full=final[0],
                          final_quality_sparse=final[1], predictor="xgb", per_seed=per_seed)


def supernet() -> SupernetSummary:
    seeds = [SeedSpeedup(s, 0.85, 35.0 + s, INF, 20.0, 1.75, False, 3.8, 4.4, 4.5, 0.3, 0.7, None) for s in range(3)]
    fam = training_family(family_speedup("mbv3_1d", 3, 1.75, 0.0, 1.8, "upper", 0, (3.8, 3.7, 3.9), 36.0,
                                         (4.4, 4.5, 0.3), 0.85, (0.7, 0.65, 0.75, 0.5)), (0.854, 0.80), seeds)
    reached = [SeedSpeedup(0, 0.5, 10.0, 5.0, 6.0, 2.0, True, 4.0, 1.0, 1.5, 0.1, None, None)]
    res = training_family(family_speedup("resnet_1d", 1, 2.0, 2.0, 2.0, "exact", 1, (4.0, 4.0, 4.0), 10.0,
                                         (1.0, 1.5, 0.1), 0.5, (None, None, None, None)), (0.51, 0.52), reached)
    return SupernetSummary(0.005, "training CPU seconds", "24 spread + 8 kept, test split", [fam, res])


def latency() -> LatencySummary:
    q = QualityCheck("mbv3_1d", 100, 3, "min", [QualityDevice("onnxruntime_cpu_1", 0.012, 0.991, 0.93, 0.99, 0.05,
                                                              0.03, 0.01, [0.08, 0.2], [0.5, 1.2], 2)], [])
    return LatencySummary(Environment("AMD EPYC", 2, 2, "2.13.0", "1.32.0", "3.11", None), ["onnxruntime_cpu_1"],
                          ["skipping cuda_1: no GPU"], 30,
                          [DeviceLatency("mbv3_1d", "onnxruntime_cpu_1", 30, 0.12, 0.08, 0.2, 0.01, 0.02, 0.01)], q)


ALL = {"search": search, "search_supernet": search_supernet, "predictors": predictors, "sparsenas_early": sparsenas,
       "sparsenas": supernet, "latency": latency}
