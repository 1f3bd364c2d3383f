"""Synthetic respondents for the built-in survey "Remote Working e Contact Center" (2020).

The profile is tuned so that a few hundred synthetic answers tell the story of the club's interim
findings of March 2020 (shared/product/survey-remote-working-2020.md):
- about two thirds agree that the emergency substantially changes organisational models;
- over 80% see customers' use of digital channels increased;
- it is not clear whether customers realise digital tools work better (top-2 share near 50%);
- moderate agreement (mean about 3.4 of 5) that customers spend time on digital training;
- where staff went remote (about three quarters), well over three quarters of them did (~82%);
- work-life balance and continuity of service are the strongest effects, clearly ahead.
It also plants modest associations for crosstabs: BPOs more often moved most staff and moved
faster; large contact centers more often use and adopted cloud platforms; public bodies serve the
public administration and moved more slowly.
"""

from __future__ import annotations

from indagine.forms.synthetic import Profile, Shift

BPO = "selected(${org_type}, 'bpo')"
PUBLIC = "selected(${org_type}, 'public')"
SUPPLIER = "selected(${org_type}, 'supplier')"
LARGE = "selected(${cc_size}, '1000plus')"
MEDIUM_LARGE = "selected(${cc_size}, '250_999')"
SMALL = "selected(${cc_size}, 'lt50')"
PART = "selected(${remote}, 'part')"
MOST = "selected(${remote}, 'most')"
NOT_REMOTE = "selected(${remote}, 'no') or selected(${remote}, 'planned')"

PROFILE = Profile(
    weights={
        "org_type": {"inhouse": 45, "bpo": 25, "public": 10, "supplier": 15, "other": 5},
        "role": {
            "executive": 15,
            "cc_head": 38,
            "operations": 20,
            "it": 9,
            "hr": 7,
            "sales": 8,
            "other": 3,
        },
        "cc_size": {"lt50": 24, "50_249": 34, "250_999": 26, "1000plus": 16},
        "sector": {
            "telco": 20,
            "energy": 17,
            "finance": 23,
            "pa": 6,
            "retail": 15,
            "transport": 10,
            "other": 9,
        },
        "remote": {"most": 50, "part": 26, "planned": 13, "no": 11},
        "remote_tools": {
            "vpn": 0.55,
            "cloud": 0.38,
            "softphone": 0.5,
            "collab": 0.7,
            "laptops": 0.55,
            "byod": 0.3,
            "other": 0.04,
        },
        "agree_change": {"1": 3, "2": 8, "3": 21, "4": 43, "5": 25},
        # split, not lukewarm: about half agree but the mean stays near the midpoint, so the
        # interim letter says it is not yet clear (as the club did), not "moderately agree"
        "agree_digital_better": {"1": 11, "2": 23, "3": 19, "4": 34, "5": 13},
        "agree_digital_training": {"1": 5, "2": 12, "3": 33, "4": 35, "5": 15},
        "agree_no_return": {"1": 4, "2": 12, "3": 26, "4": 38, "5": 20},
        "agree_productivity": {"1": 4, "2": 11, "3": 25, "4": 40, "5": 20},
        "agree_objectives": {"1": 6, "2": 16, "3": 30, "4": 33, "5": 15},
        "agree_compensation": {"1": 8, "2": 20, "3": 34, "4": 28, "5": 10},
        "agree_augmented": {"1": 7, "2": 17, "3": 32, "4": 31, "5": 13},
        "digital_use": {"decreased": 3, "unchanged": 11, "increased": 50, "increased_lot": 36},
        "digital_channels": {
            "chat": 0.6,
            "social": 0.4,
            "email": 0.55,
            "selfservice": 0.5,
            "video": 0.3,
            "voice": 0.35,
        },
        "effect_balance": {"none": 2, "limited": 12, "significant": 47, "very_significant": 40},
        "effect_continuity": {"none": 3, "limited": 15, "significant": 45, "very_significant": 37},
        "effect_quality": {"none": 10, "limited": 35, "significant": 38, "very_significant": 17},
        "effect_costs": {"none": 12, "limited": 38, "significant": 35, "very_significant": 15},
        "effect_commuting": {"none": 8, "limited": 32, "significant": 40, "very_significant": 20},
        "effect_realestate": {"none": 22, "limited": 43, "significant": 26, "very_significant": 9},
        "effect_cohesion": {"none": 10, "limited": 38, "significant": 37, "very_significant": 15},
        "solutions": {
            "cloud_cc": 0.3,
            "chatbot": 0.25,
            "social_care": 0.22,
            "video": 0.18,
            "remote_support": 0.35,
            "agent_assist": 0.12,
            "selfservice": 0.3,
            "elearning": 0.5,
            "none": 0.07,
        },
        "quote_ok": {"yes": 60, "no": 40},
    },
    numbers={"remote_share": (91.0, 8.0), "remote_days": (9.0, 5.0)},
    steps={"remote_share": 5.0},
    texts={
        "org_type_other": (
            "Associazione di categoria",
            "Consorzio di servizi",
            "Università",
            "Cooperativa sociale",
        ),
        "role_other": ("Qualità", "Customer experience", "Pianificazione", "Acquisti"),
        "sector_other": ("Sanità", "Automotive", "Editoria", "Servizi alle imprese"),
        "remote_tools_other": (
            "Desktop virtuale (VDI)",
            "Centralino VoIP",
            "Token per l'autenticazione",
        ),
        "testimony": (
            "In pochi giorni abbiamo portato quasi tutti gli operatori da remoto, con le VPN.",
            "La continuità del servizio è stata garantita, anche se con qualche disagio iniziale.",
            "Le persone hanno apprezzato la flessibilità; manca il contatto con i colleghi.",
            "Abbiamo anticipato progetti di chatbot e self-service previsti per il prossimo anno.",
            "Il passaggio è stato faticoso, soprattutto per la formazione dei nuovi assunti.",
            "La produttività ha tenuto; ora dobbiamo ripensare gli spazi degli uffici.",
        ),
    },
    answer_rates={"testimony": 0.3},
    latent=0.5,
    shifts=(
        Shift("cc_size", BPO, {"lt50": 0.4, "250_999": 1.6, "1000plus": 2.5}),
        Shift("cc_size", SUPPLIER, {"lt50": 2.0, "1000plus": 0.5}),
        Shift("sector", PUBLIC, {"pa": 40}),
        Shift("sector", f"not({PUBLIC})", {"pa": 0.3}),
        Shift("remote", BPO, {"most": 1.6}),
        Shift("remote", PUBLIC, {"most": 0.6, "planned": 1.5}),
        Shift("remote", LARGE, {"most": 1.3}),
        Shift("remote_share", PART, offset=-25.0),
        Shift("remote_days", BPO, offset=-2.0),
        Shift("remote_days", PUBLIC, offset=5.0),
        Shift("remote_tools", LARGE, {"cloud": 2.2}),
        Shift("remote_tools", MEDIUM_LARGE, {"cloud": 1.5}),
        Shift("remote_tools", SMALL, {"cloud": 0.6}),
        Shift("solutions", LARGE, {"cloud_cc": 2.5, "agent_assist": 1.8}),
        Shift("solutions", MEDIUM_LARGE, {"cloud_cc": 1.6}),
        Shift("solutions", SMALL, {"cloud_cc": 0.6, "none": 2.0}),
        Shift("agree_productivity", MOST, {"4": 1.3, "5": 1.4}),
        Shift("agree_productivity", NOT_REMOTE, {"1": 1.5, "2": 1.4, "3": 1.5}),
        Shift("effect_commuting", NOT_REMOTE, {"none": 2.5, "limited": 1.8}),
    ),
)


def profile_for(form_id: str) -> Profile | None:
    """The demo profile of a built-in form, by its form_id (None when it has none)."""
    return PROFILE if form_id == "remote_working_2020" else None
