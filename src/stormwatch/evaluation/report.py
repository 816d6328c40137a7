"""The record as text: Markdown tables and the EVALUATION.md document (pure string building).

Every sentence of the summary is computed from the numbers, so the document
says what the data says — including that a baseline did better.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from stormwatch.evaluation.backtest import STRATEGIES, BacktestResult
from stormwatch.evaluation.baselines import BASELINE_IDS, BASELINES
from stormwatch.evaluation.episodes import Episode
from stormwatch.evaluation.evaluate import LEVEL_MODELS, Evaluation, TargetResult

__all__ = [
    "backtest_markdown",
    "evaluation_markdown",
    "markdown_table",
    "summary_lines",
]

_TITLES = {
    "storm_score": "storm score (0-100)",
    **{m: f"storm level >= {m[-1]}" for m in LEVEL_MODELS},
    **{b: s.title for b, s in BASELINES.items()},
    "absorption_ratio": "Absorption ratio shift (Kritzman et al.)",
}


def _f(x: object, digits: int = 3) -> str:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    if math.isnan(v) or math.isinf(v):
        return "—"
    return f"{v:.{digits}f}"


def _pct(x: object, digits: int = 1) -> str:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    return "—" if math.isnan(v) or math.isinf(v) else f"{100 * v:.{digits}f}%"


def _day(x: object) -> str:
    if x is None:
        return "—"
    ts = pd.Timestamp(x)  # type: ignore[arg-type]
    return "—" if pd.isna(ts) else str(ts.date())


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str | None = None) -> str:
    """A GitHub Markdown table; ``align`` is one char per column (``l`` or ``r``)."""
    al = align or "l" + "r" * (len(header) - 1)
    sep = ["---:" if a == "r" else ":---" for a in al]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _model_rows(tr: TargetResult) -> list[list[str]]:
    rows = []
    for mid, r in tr.table.iterrows():
        rows.append(
            [
                f"`{mid}`",
                _f(r["auroc"]),
                f"{_f(r['auroc_lo'])} – {_f(r['auroc_hi'])}",
                ""
                if mid == "storm_score"
                else f"{_f(r['auroc_minus_storm_score'], 3)} ({_f(r['diff_lo'])} – {_f(r['diff_hi'])})",
                _pct(r["hit_rate"]),
                _pct(r["false_alarm_rate"]),
                _f(r["noise_to_signal"], 2),
                _pct(r["precision"]),
                _f(r["usefulness"], 2),
                _f(r["alarms_per_year"], 2),
            ]
        )
    return rows


def summary_lines(ev: Evaluation) -> list[str]:
    """One plain sentence per target comparing the storm score with every baseline, from the numbers."""
    out = []
    for tid, tr in ev.targets.items():
        t = tr.table.astype("float64")
        au, lo, hi = t["auroc"], t["diff_lo"], t["diff_hi"]
        s = float(au["storm_score"])
        better = [b for b in BASELINE_IDS if au[b] > s]
        worse = [b for b in BASELINE_IDS if au[b] <= s]
        sig_better = [b for b in BASELINE_IDS if lo[b] > 0]
        sig_worse = [b for b in BASELINE_IDS if hi[b] < 0]
        lv = float(au["level_ge_1"])
        line = (
            f"**`{tid}`** ({tr.sample['n_days']} common days, {tr.sample['n_event_days']} event days): "
            f"the storm score's AUROC is {_f(s)} (95% CI {_f(t.loc['storm_score', 'auroc_lo'])} – "
            f"{_f(t.loc['storm_score', 'auroc_hi'])}); the level at Watch or above scores {_f(lv)}. "
        )
        if better:
            line += (
                f"{len(better)} of {len(BASELINE_IDS)} baselines score higher ("
                + ", ".join(f"`{b}` {_f(t.loc[b, 'auroc'])}" for b in better)
                + ")"
            )
        else:
            line += "No baseline scores higher than the storm score"
        if worse:
            line += "; lower: " + ", ".join(f"`{b}` {_f(t.loc[b, 'auroc'])}" for b in worse)
        line += ". "
        if sig_better or sig_worse:
            parts = []
            if sig_better:
                parts.append("above the storm score: " + ", ".join(f"`{b}`" for b in sig_better))
            if sig_worse:
                parts.append("below it: " + ", ".join(f"`{b}`" for b in sig_worse))
            line += (
                "Differences whose 95% block-bootstrap interval excludes zero — " + "; ".join(parts) + ". "
            )
        else:
            line += "No difference to a baseline has a 95% block-bootstrap interval that excludes zero. "
        pw = tr.pairwise.astype({"baseline_auroc": "float64", "storm_score_auroc": "float64"})
        pairs = [
            f"`{b}` {_f(pw.loc[b, 'baseline_auroc'])} vs {_f(pw.loc[b, 'storm_score_auroc'])} "
            f"(from {_day(pw.loc[b, 'first'])})"
            for b in BASELINE_IDS
            if b in pw.index
        ]
        line += "Pairwise on each baseline's own history (baseline vs storm score): " + "; ".join(pairs) + "."
        out.append(line)
    return out


def _episode_rows(ev: Evaluation, models: Sequence[str]) -> list[list[str]]:
    rows = []
    for ep in ev.episodes:
        cells = [f"{ep.name}", ep.kind.replace("_", " "), _day(ep.start), _day(ep.trough)]
        for mid in models:
            lead = ev.leads[mid].loc[ep.id]
            if pd.isna(lead["first_alarm"]):
                cells.append("none" if bool(lead["covered"]) else "n/a")
            else:
                cells.append(f"{int(lead['lead_days']):+d}")
        rows.append(cells)
    return rows


def backtest_markdown(bt: BacktestResult) -> str:
    """One base currency's backtest as a Markdown section body."""
    lines = [
        f"Span {_day(bt.span[0])} .. {_day(bt.span[1])}; hedged by the level on "
        f"{_pct(float((bt.positions['hedge_ratio'] > 0).mean()))} of days; overlay on "
        f"{_pct(float(bt.positions['overlay_on'].mean()))} of days.",
        "",
    ]
    rows = []
    for s in STRATEGIES:
        r = bt.stats.loc[s]
        rows.append(
            [
                f"`{s}`",
                _pct(r["cagr"], 2),
                _pct(r["volatility"], 1),
                _f(r["sharpe"], 2),
                _pct(r["max_drawdown"], 1),
                _f(r["calmar"], 2),
                _pct(r["worst_month"], 1),
                _f(r["turnover"], 2),
            ]
        )
    lines.append(
        markdown_table(
            [
                "strategy",
                "CAGR",
                "volatility",
                "Sharpe",
                "max drawdown",
                "Calmar",
                "worst month",
                "turnover / yr",
            ],
            rows,
        )
    )
    return "\n".join(lines)


def _group_proxies(lines: Sequence[str]) -> list[str]:
    """Collapse 'sig.input: X instead of Y (a .. b)' lines into one line per (sig.input, X)."""
    groups: dict[str, list[str]] = {}
    for line in lines:
        head, _, span = line.rpartition(" (")
        groups.setdefault(head, []).append(span.rstrip(")"))
    out = []
    for head, spans in groups.items():
        first = spans[0].split(" .. ")[0]
        last = spans[-1].split(" .. ")[-1]
        out.append(f"{head} ({first} .. {last})")
    return out


def evaluation_markdown(
    ev: Evaluation,
    backtests: Mapping[str, BacktestResult],
    *,
    command: str,
    data_note: str,
    catalogue: Sequence[Episode] = (),
) -> str:
    """The EVALUATION.md document.

    Parameters
    ----------
    ev
        The early-warning record.
    backtests
        Base currency -> backtest.
    command
        The one command that regenerates the document (stated at the top).
    data_note
        Which data it ran on.
    catalogue
        The full episode catalogue (listed at the end).
    """
    cfg = ev.config
    out: list[str] = [
        "# stormwatch — the record on history",
        "",
        f"> Generated by `{command}` — do not edit by hand; run the command again.",
        f"> Data: {data_note}. Evaluated span: {_day(ev.span[0])} .. {_day(ev.span[1])}.",
        "",
        "## Summary",
        "",
    ]
    out += [f"- {line}" for line in summary_lines(ev)]
    out += [
        "",
        "## How this is measured",
        "",
        "- **Point in time.** Every day's storm level and score are replayed from the store read with "
        "publication lags; each signal is evaluated on the data up to that day with the input series a "
        "user would have had then (`stormwatch.evaluation.replay`; the tests check single days against "
        "literal truncation). Neutral levels and scales inside the signals are sequential (expanding "
        "windows).",
        "- **Targets.** " + " ".join(f"`{t.id}`: {t.description}." for t in cfg.targets),
        "- **Same days.** For each target every model is scored on the same days: those where the label, "
        "every model's score and every model's alarm are known. The pairwise tables compare the storm "
        "score with one baseline at a time on the days where just those two are known (longer history).",
        f"- **Alarms.** The levels alarm at or above their step. A continuous score alarms above the "
        f"{cfg.alarm_quantile:g} quantile of its own values on the days before (expanding window, at "
        f"least {cfg.alarm_min_obs} days) — walk-forward, never fitted on the full sample.",
        f"- **Measures.** AUROC (Mann–Whitney, ties one half) with a {int(100 * cfg.ci)}% percentile "
        f"interval from a circular block bootstrap ({cfg.n_boot} resamples of {cfg.block}-day blocks, "
        f"seed {cfg.seed}; the differences to the storm score use the same resamples). Hit rate "
        "A/(A+C), false-alarm rate B/(B+D), noise-to-signal ratio (Kaminsky–Lizondo–Reinhart), "
        f"precision A/(A+B), Sarlin's relative usefulness with μ = {cfg.mu:g} (1 = perfect, 0 = no "
        "better than ignoring the indicator, < 0 worse), alarm onsets per year.",
        f"- **Lead time.** For each catalogued episode, the first alarm from {cfg.lead_window} business "
        "days before its start (the S&P 500's high) to its trough; lead = business days from that "
        "alarm to the start (positive = before the high). `none` = no alarm in that window; "
        "`n/a` = the model was not known over the whole window. A score that alarms on one day in "
        f"ten is likely to alarm somewhere in a {cfg.lead_window + 1}-day window by chance: read a lead "
        "together with the model's false-alarm rate.",
        "",
    ]
    for tid, tr in ev.targets.items():
        smp = tr.sample
        out += [
            f"## Target `{tid}`",
            "",
            f"{tr.target.description[0].upper()}{tr.target.description[1:]}. Common sample "
            f"{_day(smp['first'])} .. {_day(smp['last'])}: {smp['n_days']} days, {smp['n_event_days']} "
            f"event days (base rate {_pct(smp['base_rate'])}).",
            "",
            markdown_table(
                [
                    "model",
                    "AUROC",
                    "95% CI",
                    "minus storm score (95% CI)",
                    "hit rate",
                    "false alarms",
                    "noise/signal",
                    "precision",
                    "usefulness",
                    "alarms / yr",
                ],
                _model_rows(tr),
            ),
            "",
            "Pairwise (storm score against one baseline, on the days where both are known):",
            "",
            markdown_table(
                ["baseline", "days", "first", "event days", "storm score", "baseline", "difference (95% CI)"],
                [
                    [
                        f"`{bid}`",
                        str(int(r["n_days"])),
                        _day(r["first"]),
                        str(int(r["n_event_days"])),
                        _f(r["storm_score_auroc"]),
                        _f(r["baseline_auroc"]),
                        f"{_f(r['difference'])} ({_f(r['diff_lo'])} – {_f(r['diff_hi'])})",
                    ]
                    for bid, r in tr.pairwise.iterrows()
                ],
            ),
            "",
        ]
    lead_models = ["storm_score", "level_ge_1", "level_ge_2", *BASELINE_IDS]
    out += [
        "## Episodes: lead time of the first alarm (business days before the start; negative = after)",
        "",
        markdown_table(
            ["episode", "kind", "start", "trough", *[f"`{m}`" for m in lead_models]],
            _episode_rows(ev, lead_models),
            align="llll" + "r" * len(lead_models),
        ),
        "",
        markdown_table(
            ["model", "episodes", "warned before the start", "alarm by the trough", "median lead (days)"],
            [
                [
                    f"`{mid}`",
                    str(int(r["episodes"])),
                    str(int(r["warned_before_start"])),
                    str(int(r["alarmed_by_trough"])),
                    _f(r["median_lead_days"], 1),
                ]
                for mid, r in ev.episode_summary().iterrows()
            ],
        ),
        "",
        "## The foreign investor's hedge",
        "",
        "An investor whose currency is EUR, JPY, GBP or CHF holds the S&P 500: unhedged, fully hedged "
        "(a rolled one-day forward sale of dollars earning the short-rate differential), hedged by the "
        "storm level, or unhedged plus a short-dollar / long-volatility overlay switched on by the level. "
        "Positions are decided at a close from that close's point-in-time level and earn from the next "
        "day; returns are what the markets did (see `stormwatch.evaluation.backtest`).",
        "",
    ]
    if backtests:
        first = next(iter(backtests.values())).config
        out += [
            f"Settings: FX cost {first.cost_bp:g} bp per unit traded; hedge ratio by level "
            f"{', '.join(f'{h:g}' for h in first.hedge_by_level)} (levels 0–4); overlay from level "
            f"{first.overlay_level}: short {first.overlay_usd_short:g}× the dollar index and a variance swap "
            f"with vega {100 * first.overlay_vega:g}% per VIX point, {first.vol_cost_points:g} vol points "
            f"per trade, rolled every {first.roll_days} business days. Sharpe uses the base currency's "
            "3-month rate; turnover is FX notional traded per year, as a multiple of the holding.",
            "",
        ]
    for base, bt in backtests.items():
        out += [f"### {base} investor", "", backtest_markdown(bt), ""]
    out += ["## Proxies and caveats", ""]
    rp = _group_proxies(ev.proxies)
    if rp:
        out += [
            "Signal inputs read from a proxy during the replay (the series a user had on those days):",
            "",
        ]
        out += [f"- {line}" for line in rp]
        out.append("")
    bt_lines = [f"{base}: {line}" for base, bt in backtests.items() for line in bt.proxies]
    bt_notes = sorted({line for bt in backtests.values() for line in bt.notes})
    bt_notes_by_base = [
        f"{base}: {n}"
        for base, bt in backtests.items()
        for n in bt.notes
        if "no value" in n or "no data" in n or "backtest runs from" in n
    ]
    if bt_lines:
        out += ["Backtest inputs from a proxy:", ""] + [f"- {line}" for line in bt_lines] + [""]
    elif backtests:
        out += [
            "Backtest inputs from a proxy: none on this data — the OECD 3-month rates cover every "
            "backtest day; 3-month EURIBOR (euro), SONIA (sterling) and the Treasury bill (dollar) "
            "would be used, and listed here, where they do not.",
            "",
        ]
    if bt_notes_by_base:
        out += ["Backtest spans:", ""] + [f"- {line}" for line in bt_notes_by_base] + [""]
    caveats = [n for n in bt_notes if not any(k in n for k in ("no value", "no data", "backtest runs from"))]
    caveats += list(ev.notes)
    if caveats:
        out += ["Caveats:", ""] + [f"- {line}" for line in caveats] + [""]
    if catalogue:
        out += [
            "## The episode catalogue",
            "",
            "`src/stormwatch/data/episodes.toml`; the kind is what the dollar index did from start to "
            "trough (at or below −2%: debasement sell-off; at or above +2%: classic risk-off; else other).",
            "",
            markdown_table(
                ["id", "start", "trough", "kind", "notes"],
                [[f"`{e.id}`", _day(e.start), _day(e.trough), e.kind, e.notes] for e in catalogue],
                align="lllll",
            ),
            "",
        ]
    return "\n".join(out).rstrip() + "\n"
