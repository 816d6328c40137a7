"""Naive exact references and stress panels for the panel kernels (slow on purpose).

Complements ``reference.py`` (which uses ``np.corrcoef`` / ``np.cov`` on raw
values): here every window is centred on its exact (``math.fsum``) mean with
the corrected two-pass method before any product is formed, so the
references stay exact on price levels around 1e6 and yields moving by 1bp,
where ``np.cov`` itself loses digits.

All panels built here are SYNTHETIC (seeded generators), except
:func:`market_returns`, which reads real closes from ../shared/data/market in
place.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import reference as ref

F64 = npt.NDArray[np.float64]


def exact_dev(block: F64) -> F64:
    """Columns of ``block`` minus their exact means (corrected two-pass)."""
    n = block.shape[0]
    mean = np.array([math.fsum(block[:, j].tolist()) / n for j in range(block.shape[1])])
    dev = block - mean
    return dev - dev.sum(axis=0) / n


def exact_corr(block: F64) -> F64:
    """Correlation matrix of the columns of ``block`` (all usable), clipped to [-1, 1]."""
    dev = exact_dev(block)
    scat = dev.T @ dev
    inv = 1.0 / np.sqrt(np.diag(scat))
    c = scat * inv[:, None] * inv[None, :]
    np.clip(c, -1.0, 1.0, out=c)
    np.fill_diagonal(c, 1.0)
    return c


def avg_corr(X: F64, w: int, min_obs: int) -> tuple[F64, npt.NDArray[np.int64]]:
    """Average off-diagonal correlation of the usable columns per window, exact centring."""
    n_rows = X.shape[0]
    out = np.full(n_rows, np.nan)
    used = np.zeros(n_rows, dtype=np.int64)
    for t in range(n_rows):
        block = X[max(0, t - w + 1) : t + 1]
        if block.shape[0] < max(min_obs, 2):
            continue
        cols = ref.usable_columns(block)
        used[t] = cols.size
        if cols.size < 2:
            continue
        c = exact_corr(block[:, cols])
        m = cols.size
        out[t] = (c.sum() - m) / (m * (m - 1))
    return out, used


class Summary:
    """Per-window all-pairs reference: mean, share above, histogram, and pairs near a boundary."""

    def __init__(self, X: F64, w: int, min_obs: int, threshold: float, bins: int, near: float = 1e-11):
        n_rows = X.shape[0]
        self.mean = np.full(n_rows, np.nan)
        self.share = np.full(n_rows, np.nan)
        self.hist = np.zeros((n_rows, bins), dtype=np.int64)
        self.used = np.zeros(n_rows, dtype=np.int64)
        self.near_edge = np.zeros(n_rows, dtype=np.int64)  # pairs within `near` of a bin edge
        self.near_thr = np.zeros(n_rows, dtype=np.int64)  # pairs within `near` of the threshold
        self.pairs: dict[int, F64] = {}
        edges = np.linspace(-1.0, 1.0, bins + 1)
        for t in range(n_rows):
            block = X[max(0, t - w + 1) : t + 1]
            if block.shape[0] < max(min_obs, 2):
                continue
            cols = ref.usable_columns(block)
            self.used[t] = cols.size
            if cols.size < 2:
                continue
            c = exact_corr(block[:, cols])
            r = c[np.triu_indices(cols.size, 1)]
            self.pairs[t] = r
            self.mean[t] = math.fsum(r.tolist()) / r.size
            self.share[t] = float((r > threshold).mean())
            self.hist[t] = np.histogram(r, bins=bins, range=(-1.0, 1.0))[0]
            self.near_edge[t] = int((np.abs(r[:, None] - edges[None, 1:-1]) < near).any(axis=1).sum())
            self.near_thr[t] = int((np.abs(r - threshold) < near).sum())


def turbulence(X: F64, w: int, ridge: float, min_obs: int) -> F64:
    """Mahalanobis distance of row t from rows t-w..t-1: exact centring, solve plus one refinement step."""
    n_rows = X.shape[0]
    out = np.full(n_rows, np.nan)
    for t in range(1, n_rows):
        hist = X[max(0, t - w) : t]
        n = hist.shape[0]
        if n < min_obs:
            continue
        cols = ref.usable_columns(hist)
        cols = cols[~np.isnan(X[t, cols])]
        m = cols.size
        if m == 0:
            continue
        h = hist[:, cols]
        dev = exact_dev(h)
        cov = dev.T @ dev / (n - 1)
        cov += ridge * np.trace(cov) / m * np.eye(m)
        d = np.array([ref.exact_dev(float(X[t, j]), hist[:, j].tolist()) for j in cols])
        y = np.linalg.solve(cov, d)
        y += np.linalg.solve(cov, d - cov @ y)  # one step of iterative refinement
        out[t] = float(d @ y)
    return out


def stress_panel(seed: int, n_rows: int = 700) -> F64:
    """SYNTHETIC 8-column panel with every numerical trap the panel kernels must survive.

    Columns: 0-2 factor returns; 3 a price level around 1e6 (random walk);
    4 a yield around 4% moving by whole basis points; 5 returns with a x30
    volatility burst then calm; 6 returns with a flat stale segment; 7
    returns with NaN gaps and a late start. Column 3 and 4 are levels, so
    their correlations are those of levels (a numerical test, not finance).
    """
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((n_rows, 1))
    X = 0.01 * (0.6 * f + 0.8 * rng.standard_normal((n_rows, 8)))
    X[:, 3] = 1e6 + np.cumsum(X[:, 3] * 100.0)
    X[:, 4] = np.round(4.0 + 0.01 * np.cumsum(np.sign(X[:, 4])), 2)
    X[300:330, 5] *= 30.0
    X[150:420, 6] = X[149, 6]
    X[:60, 7] = np.nan
    X[rng.random(n_rows) < 0.01, 7] = np.nan
    X[500:505, 7] = np.nan
    return X


MARKET = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "market"
WORLD = ("SP500", "DAX", "NIKKEI225", "FTSE100", "EURUSD", "CAC40", "GOLD")


def market_returns(names: tuple[str, ...] = WORLD) -> F64 | None:
    """Daily log returns of the named real series on their common dates (T x len(names)).

    Reads ../shared/data/market/<name>.csv (date,value) in place; None if a
    file is missing (the caller skips).
    """
    series = []
    for name in names:
        path = MARKET / f"{name}.csv"
        if not path.is_file():
            return None
        data: dict[str, float] = {}
        with path.open(newline="") as fh:
            for row in csv.DictReader(fh):
                try:
                    data[row["date"]] = float((row.get("value") or "").strip())
                except ValueError:
                    data[row["date"]] = math.nan
        series.append(data)
    common = sorted(set.intersection(*(set(s) for s in series)))
    levels = np.array([[s[d] for s in series] for d in common], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.diff(np.log(np.where(levels > 0, levels, np.nan)), axis=0)
