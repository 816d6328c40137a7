"""`stormwatch bench --quick --json`: the CI smoke run of the kernel benchmarks (correctness, no timings).

Runs the real CLI entry point in-process on SYNTHETIC data (T=600, N<=20),
a few seconds; asserts the JSON fields and that every kernel matched its
pandas / numpy-loop baseline within its tolerance.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import stormwatch.cli.bench  # noqa: F401  (registers `bench`; cli/__init__ imports it once wired)
from stormwatch.bench import BenchResult, bench_absorption_ratio, bench_avg_corr, best_of, synthetic_panel
from stormwatch.bench._core import max_abs_diff
from tests.cli_helpers import run_cli

KERNELS = [
    "rolling_mean_std",
    "rolling_mean_std",
    "rolling_corr",
    "rolling_avg_corr",
    "rolling_avg_corr",
    "rolling_corr_summary",
    "absorption_ratio",
    "absorption_ratio",
    "turbulence",
    "signal_sweep",
    "assess_full_history",
    "incremental_step",
]
FIELDS = {
    "kernel", "n", "t", "window", "seconds", "baseline", "baseline_seconds", "baseline_note", "speedup",
    "bound", "bound_seconds", "kernel_over_bound", "max_abs_diff", "tolerance", "matched", "data",
    "timing_note", "kernel_threads", "blas_threads", "target_speedup", "target_over_bound", "meets_target",
    "extra",
}  # fmt: skip


def test_bench_quick_json_every_kernel_matches_its_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "bench", "--quick", "--json")
    assert res.code == 0, res.stderr
    docs = json.loads(res.stdout)
    assert isinstance(docs, list)
    assert [d["kernel"].split(" ")[0] for d in docs] == KERNELS
    for d in docs:
        assert set(d) >= FIELDS, FIELDS - set(d)
        assert d["matched"] is True, d
        assert 0.0 <= d["max_abs_diff"] <= d["tolerance"] < 1e-6
        assert d["seconds"] > 0 and d["baseline_seconds"] > 0
        assert d["speedup"] == pytest.approx(d["baseline_seconds"] / d["seconds"])
        assert "synthetic" in d["data"]
        assert "compile time excluded" in d["timing_note"]
    kernels = [d for d in docs if d["kernel"].split(" ")[0] in KERNELS[:10]]
    for d in kernels:
        assert d["t"] <= 600 and d["n"] <= 60 and d["window"] <= 100
    by_kernel = {d["kernel"]: d for d in docs}
    assert by_kernel["absorption_ratio"]["bound"].startswith("LAPACK floor")
    assert by_kernel["absorption_ratio"]["kernel_over_bound"] > 0
    assert by_kernel["absorption_ratio"]["target_speedup"] == 4.0
    assert by_kernel["absorption_ratio"]["meets_target"] in (True, False)
    assert docs[0]["bound"].startswith("memory bandwidth") and docs[0]["bound_seconds"] > 0
    assert docs[0]["target_over_bound"] == 3.0
    assert by_kernel["turbulence"]["bound_seconds"] is None
    # the whole-history run: SIMULATED demo data, peak memory measured in a child process
    hist = by_kernel["assess_full_history"]
    assert hist["extra"]["simulated"] is True and hist["extra"]["peak_rss_mb"] > 0
    step = by_kernel["incremental_step"]
    assert step["extra"]["mode"] == "incremental" and step["extra"]["new_days"] == 1


def test_bench_quick_text_labels_synthetic_data(capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "bench", "--quick")
    assert res.code == 0, res.stderr
    assert "SYNTHETIC" in res.stdout and "compile time excluded" in res.stdout
    assert "NO" not in res.stdout.split()


def test_max_abs_diff_flags_nan_mismatch_and_values() -> None:
    a = np.array([np.nan, 1.0, 2.0])
    assert max_abs_diff(a, a) == 0.0
    assert max_abs_diff(a, np.array([0.0, 1.0, 2.0])) == math.inf  # NaN where the other has a value
    assert max_abs_diff(a, np.array([np.nan, 1.0, 2.5])) == 0.5
    assert max_abs_diff(np.full(2, np.nan), np.full(2, np.nan)) == math.inf  # nothing compared


def test_result_matched_speedup_and_bound() -> None:
    r = BenchResult("k", 3, 10, 5, 0.5, "b", 2.0, "measured", "floor", 0.25, 1e-3, 1e-6)
    assert not r.matched and r.speedup == 4.0 and r.kernel_over_bound == 2.0
    assert r.to_dict()["matched"] is False


def test_synthetic_panel_is_seeded_and_correlated() -> None:
    x = synthetic_panel(2000, 4, seed=3)
    assert np.array_equal(x, synthetic_panel(2000, 4, seed=3))
    c = np.corrcoef(x.T)[np.triu_indices(4, 1)]
    assert np.all(np.abs(c - 0.36) < 0.1)
    assert best_of(lambda: None, 3) >= 0.0


def test_slow_baselines_are_extrapolated_and_say_so() -> None:
    # A tiny budget forces the subset path the full-size run takes when pandas / the loop is slow.
    x = synthetic_panel(600, 12, seed=1)
    # pandas' all-pairs cost is per pair: at N <= 200 it is always run in full, once if over budget
    avg = bench_avg_corr(x, 100, repeat=1, budget=1e-9)
    assert avg.baseline_note == "measured, best of 1"
    wide = bench_avg_corr(synthetic_panel(300, 210, seed=1), 60, repeat=1, budget=1e-9)
    assert "pandas infeasible" in wide.baseline_note and "EXTRAPOLATED" in wide.baseline_note
    ar = bench_absorption_ratio(x, 100, repeat=1, budget=1e-9)
    assert ar.baseline_note.startswith("EXTRAPOLATED") and "every" in ar.baseline_note
    for r in (avg, wide, ar):
        assert r.matched and r.baseline_seconds > 0
