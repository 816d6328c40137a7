"""Top-k eigenvalue sums (Householder tridiagonalisation + Sturm bisection) against ``np.linalg.eigvalsh``.

Tolerance: both are backward stable, so sums agree to a few ``eps * ||A||``;
asserted at 1e-12 of the largest eigenvalue magnitude.
"""

from __future__ import annotations

import numpy as np
import pytest

from stormwatch.kernels import _eig_nb

RTOL = 1e-12


def matrices(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    g = rng.standard_normal((n, n))
    q, _ = np.linalg.qr(g)
    rep = np.repeat(rng.standard_normal((n + 2) // 3), 3)[:n]  # eigenvalues in triples
    clustered = (q * rep) @ q.T
    x = rng.standard_normal((max(1, n // 3), n))  # rank n // 3, like a window with W < N
    return {
        "random": g + g.T,
        "repeated": (clustered + clustered.T) / 2,
        "rank_deficient": x.T @ x,
        "diagonal": np.diag(rng.standard_normal(n)),
        "zero": np.zeros((n, n)),
        "identity": np.eye(n),
        "graded": (q * np.logspace(-8, 0, n)) @ q.T,
        "near_ties": (q * (1.0 + 1e-13 * np.arange(n))) @ q.T,  # gaps at the rounding level
    }


@pytest.mark.parametrize("n", [3, 4, 5, 7, 16, 33, 64, 100, 120])
def test_top_sum_matches_eigvalsh(n: int) -> None:
    rng = np.random.default_rng(n)
    for name, a in matrices(rng, n).items():
        a = (a + a.T) / 2
        ev = np.linalg.eigvalsh(a)
        scale = max(np.abs(ev).max(), 1.0 if name == "zero" else 0.0)
        for k in sorted({1, 2, max(1, n // 5), n - 1, n}):
            got = _eig_nb.top_sum(a.copy(), k)
            assert abs(got - ev[-k:].sum()) <= RTOL * scale * k, (name, n, k)


def test_tridiagonal_keeps_the_spectrum() -> None:
    rng = np.random.default_rng(7)
    n = 40
    x = rng.standard_normal((60, n))
    a = x.T @ x
    d, e = np.empty(n), np.zeros(n)
    lower = np.tril(np.full((n, n), np.nan), -1)  # never read
    _eig_nb.tridiagonalize(np.triu(a) + lower, d, e, *(np.empty(n) for _ in range(4)))
    t = np.diag(d) + np.diag(e[:-1], 1) + np.diag(e[:-1], -1)
    ev = np.linalg.eigvalsh(a)
    np.testing.assert_allclose(np.linalg.eigvalsh(t), ev, rtol=0, atol=RTOL * ev[-1])
    assert _eig_nb.top_sum_tridiag(d, e, n) == pytest.approx(np.trace(a), rel=1e-13)


def test_absorption_rows_picks_columns_and_scales() -> None:
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 30, 12)) * 1e-4  # tiny returns: scaling must not matter
    scat = np.triu(np.einsum("bti,btj->bij", x, x))  # only the upper triangle is read
    cols = np.array([0, 2, 3, 5, 6, 7, 9, 11], dtype=np.int64)
    wpos = np.array([2, 0], dtype=np.int64)
    out = np.full(2, np.nan)
    _eig_nb.absorption_rows(scat, wpos, cols, 2, out, 0, 2)
    for j, b in enumerate(wpos):
        sub = x[b][:, cols]
        ev = np.linalg.eigvalsh(sub.T @ sub)
        assert out[j] == pytest.approx(ev[-2:].sum() / ev.sum(), rel=RTOL)
