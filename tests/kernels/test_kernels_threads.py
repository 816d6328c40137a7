"""Splitting work over threads never changes a result (each chunk is independent)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import stormwatch.kernels as K
from stormwatch.kernels import _threads


@pytest.fixture
def restore_threads(monkeypatch):
    """Split even tiny jobs (so small data exercises the threaded path); restore the count."""
    monkeypatch.setattr(_threads, "_MIN_WORK_PER_THREAD", 1)
    before = K.get_num_threads()
    yield
    K.set_num_threads(before)


def _all_outputs(X: np.ndarray) -> list[np.ndarray]:
    return [
        *K.rolling_mean_std(X, 50, 30),
        K.rolling_zscore(X, 50, 30),
        K.expanding_zscore(X, 30),
        K.rolling_corr(X, X[:, 0], 50, 30),
        *K.rolling_avg_corr(X, 50),
        *K.absorption_ratio(X, 50, step=3),
        *K.turbulence(X, 50),
    ]


def test_threads_give_identical_results(restore_threads) -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 9)) * 0.01
    X[rng.random(X.shape) < 0.002] = np.nan
    K.set_num_threads(1)
    one = _all_outputs(X)
    K.set_num_threads(3)
    three = _all_outputs(X)
    for a, b in zip(one, three, strict=True):
        np.testing.assert_array_equal(a, b)


def test_concurrent_callers(restore_threads) -> None:
    rng = np.random.default_rng(1)
    X = np.cumsum(rng.standard_normal((1000, 12)), axis=0)
    expected = K.rolling_zscore(X, 100)
    results: list[np.ndarray] = []

    def work() -> None:
        results.append(K.rolling_zscore(X, 100))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    for r in results:
        np.testing.assert_array_equal(r, expected)


def test_set_num_threads_validation(restore_threads) -> None:
    with pytest.raises(ValueError):
        K.set_num_threads(0)
    K.set_num_threads(None)
    assert K.get_num_threads() >= 1
