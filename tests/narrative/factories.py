"""Findings built by hand: the club's interim results of 2020, and a small other survey."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from indagine.analysis.findings import (
    Base,
    Bound,
    Contrast,
    Finding,
    Findings,
    Quantity,
    Ranking,
)
from indagine.stats.estimates import Estimate

N = 124
EVERYONE = Base(n=N, asked=N)
REMOTE_BASE = Base(
    n=90,
    asked=92,
    condition="selected(${remote}, 'most') or selected(${remote}, 'part')",
    description={
        "it": "tra chi ha messo in remote working il personale del contact center",
        "en": "among those who moved contact-center staff to remote work",
    },
    on_question="remote",
    on_choices=("most", "part"),
)
EFFECT_LABELS = (
    ("none", {"it": "Nessuno", "en": "None"}),
    ("limited", {"it": "Limitato", "en": "Limited"}),
    ("significant", {"it": "Significativo", "en": "Significant"}),
    ("very_significant", {"it": "Molto significativo", "en": "Very significant"}),
)


def estimate(value: float, half_width: float = 0.08, n: int = N) -> Estimate:
    """An estimate with a symmetric 95% interval."""
    return Estimate(
        "x", value, half_width / 1.96, value - half_width, value + half_width, 0.95, "test", n, n
    )


def share(p: float, low: float, high: float, *, n: int = N) -> Quantity:
    """A share with its confidence sequence; consolidated when the sequence leaves 50%."""
    side = "above" if low > 0.5 else "below" if high < 0.5 else None
    return Quantity(estimate(p, n=n), "share", 0.5, Bound(low, high, "test"), side)


def mean(
    m: float, low: float, high: float, scale: tuple[float, float] = (1, 5), *, n: int = N
) -> Quantity:
    """A mean score with its sequence; consolidated when the sequence leaves the midpoint."""
    mid = (scale[0] + scale[1]) / 2
    side = "above" if low > mid else "below" if high < mid else None
    return Quantity(estimate(m, 0.2, n), "mean", mid, Bound(low, high, "test"), side, scale)


def percent(m: float, low: float, high: float, *, n: int = N) -> Quantity:
    """A mean of a 0-100 question."""
    side = "above" if low > 50 else "below" if high < 50 else None
    return Quantity(estimate(m, 5, n), "percent", 50, Bound(low, high, "test"), side, (0, 100))


def scale_item(
    key: str, claim_it: str, claim_en: str, s: Quantity | None, m: Quantity | None, **kw: object
) -> Finding:
    """A Likert item on the shared agreement scale."""
    fields: dict = {"group": "agree5", "positive": ("4", "5"), **kw}
    return Finding(
        key,
        key,
        {"it": claim_it, "en": claim_en},
        {"it": claim_it, "en": claim_en},
        "scale",
        EVERYONE,
        s,
        m,
        **fields,
    )


def effect(key: str, claim_it: str, claim_en: str, p: float, low: float, high: float) -> Finding:
    """An effect on the 4-point scale (none ... very significant), ranked with the others."""
    choices = tuple((name, label, estimate(0.25)) for name, label in EFFECT_LABELS)
    return Finding(
        key,
        key,
        {"it": claim_it, "en": claim_en},
        {"it": claim_it, "en": claim_en},
        "scale",
        EVERYONE,
        share(p, low, high),
        mean(2.5 + p, 2.4 + p, 2.6 + p, (1, 4)),
        ("significant", "very_significant"),
        choices,
        "effect4",
    )


def club_items() -> tuple[Finding, ...]:
    """The interim findings the club reported in March 2020, as the analysis would give them."""
    return (
        scale_item(
            "agree_change",
            "l'emergenza cambi in modo sostanziale i modelli organizzativi dei contact center",
            "the emergency substantially changes how contact centers are organised",
            share(0.66, 0.55, 0.77),
            mean(3.8, 3.4, 4.1),
        ),
        Finding(
            "digital_use",
            "digital_use",
            {"it": "Come è cambiato l'uso dei canali digitali?", "en": "How has use changed?"},
            {
                "it": "l'uso dei canali digitali da parte dei clienti sia aumentato durante l'emergenza",
                "en": "customers' use of digital channels has increased during the emergency",
            },
            "choice",
            EVERYONE,
            share(0.84, 0.72, 0.93),
            mean(3.2, 3.0, 3.4, (1, 4)),
            ("increased", "increased_lot"),
        ),
        scale_item(
            "agree_digital_better",
            "i clienti si stiano accorgendo che alcune situazioni si risolvono meglio con gli strumenti digitali",
            "customers are realising that some situations are better handled with digital tools",
            share(0.52, 0.40, 0.64),
            mean(3.2, 2.9, 3.5),
        ),
        scale_item(
            "agree_digital_training",
            "i clienti stiano dedicando tempo a familiarizzare con gli strumenti digitali",
            "customers are spending time getting to grips with digital tools",
            share(0.55, 0.43, 0.67),
            mean(3.4, 3.1, 3.7),
        ),
        Finding(
            "remote",
            "remote",
            {"it": "Ha messo il personale in remote working?", "en": "Moved staff?"},
            {
                "it": "ha messo in remote working almeno una parte del personale del contact center",
                "en": "have moved at least part of their contact-center staff to remote work",
            },
            "choice",
            EVERYONE,
            share(0.74, 0.61, 0.85),
            mean(3.1, 2.8, 3.4, (1, 4)),
            ("most", "part"),
        ),
        Finding(
            "remote_share",
            "remote_share",
            {"it": "Quale percentuale del personale lavora ora da remoto?", "en": "What share?"},
            {
                "it": "del personale del contact center lavora ora da remoto",
                "en": "of contact-center staff now work remotely",
            },
            "number",
            REMOTE_BASE,
            mean=percent(83.0, 74.0, 91.0, n=90),
        ),
        effect(
            "effect_balance",
            "l'equilibrio tra vita e lavoro delle persone",
            "staff's work-life balance",
            0.81,
            0.70,
            0.90,
        ),
        effect(
            "effect_continuity",
            "la continuità del servizio",
            "continuity of service",
            0.77,
            0.66,
            0.87,
        ),
        effect("effect_quality", "la qualità del servizio", "quality of service", 0.52, 0.40, 0.64),
        effect("effect_costs", "i costi operativi", "operating costs", 0.41, 0.30, 0.53),
    )


def club_findings(separated: int = 2, **changes: object) -> Findings:
    """The club's interim findings, with the effects separated as asked."""
    effects = ("effect_balance", "effect_continuity", "effect_quality", "effect_costs")
    findings = Findings(
        form_id="remote_working_2020",
        title={"it": "Remote Working e Contact Center", "en": "Remote Working and Contact Centers"},
        n=N,
        panel_size=400,
        response_rate=None,
        margin_of_error=None,
        weighted=False,
        weighting="unweighted",
        alpha=0.05,
        items=club_items(),
        rankings=(
            Ranking("effect4", effects, separated),
            Ranking(
                "agree5", ("agree_change", "agree_digital_training", "agree_digital_better"), 0
            ),
        ),
        closes_on=dt.date(2020, 4, 8),
    )
    return replace(findings, **changes)


def bpo_contrast() -> Contrast:
    """Outsourcers think more often than the rest that the emergency changes the models."""
    return Contrast(
        "agree_change",
        "org_type",
        {"it": "Tipo di organizzazione", "en": "Type of organisation"},
        0.004,
        6.1,
        3.6,
        410.0,
        "bpo",
        {"it": "Outsourcer (BPO)", "en": "Outsourcers (BPO)"},
        estimate(0.81),
        estimate(0.66),
    )
