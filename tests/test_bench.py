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
from stormwatch.bench import (
    BenchResult,
    bench_absorption_ratio,
    bench_avg_corr,
    best_of,
    max_abs_diff,
    synthetic_panel,
)
from tests.cli_helpers import run_cli

KERNELS = [
    "rolling_mean_std",
    "rolling_mean_std",
    "rolling_corr",
    "rolling_avg_corr",
    "absorption_ratio",
    "turbulence",
]
FIELDS = {
    "kernel", "n", "t", "window", "seconds", "baseline", "baseline_seconds", "baseline_note", "speedup",
    "bound", "bound_seconds", "kernel_over_bound", "max_abs_diff", "tolerance", "matched", "data",
    "timing_note", "kernel_threads", "blas_threads",
}  # fmt: skip


def test_bench_quick_json_every_kernel_matches_its_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "bench", "--quick", "--json")
    assert res.code == 0, res.stderr
    docs = json.loads(res.stdout)
    assert isinstance(docs, list)
    assert [d["kernel"] for d in docs] == KERNELS
    for d in docs:
        assert set(d) >= FIELDS, FIELDS - set(d)
        assert d["t"] == 600 and d["n"] <= 20 and d["window"] == 100
        assert d["matched"] is True, d
        assert 0.0 <= d["max_abs_diff"] <= d["tolerance"] < 1e-6
        assert d["seconds"] > 0 and d["baseline_seconds"] > 0
        assert d["speedup"] == pytest.approx(d["baseline_seconds"] / d["seconds"])
        assert d["baseline_note"] == "measured"  # quick sizes never extrapolate
        assert "synthetic" in d["data"]
        assert "compile time excluded" in d["timing_note"]
    by_kernel = {d["kernel"]: d for d in docs}
    assert by_kernel["absorption_ratio"]["bound"].startswith("LAPACK floor")
    assert by_kernel["absorption_ratio"]["kernel_over_bound"] > 0
    assert docs[0]["bound"].startswith("memory bandwidth") and docs[0]["bound_seconds"] > 0
    assert by_kernel["turbulence"]["bound_seconds"] is None


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
    avg = bench_avg_corr(x, 100, repeat=1, budget=1e-9)
    assert avg.baseline_note.startswith("EXTRAPOLATED") and "350" in avg.baseline_note
    ar = bench_absorption_ratio(x, 100, repeat=1, budget=1e-9)
    assert ar.baseline_note.startswith("EXTRAPOLATED") and "every" in ar.baseline_note
    for r in (avg, ar):
        assert r.matched and r.baseline_seconds > 0
