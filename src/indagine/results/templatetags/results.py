from decimal import Decimal

from django import template
from django.utils import formats, translation

register = template.Library()


def _rounded(value: float, digits: int) -> str:
    """`value` rounded (not cut: Django's number_format truncates a float's decimals, so
    25/150 read 16,6%) to `digits` decimals, as the newsletter rounds, in the active
    language's number format."""
    return formats.number_format(Decimal(f"{value:.{digits}f}"), digits, use_l10n=True)


def _missing(value) -> bool:
    """No number to show: none, or not a number (an interval on no degrees of freedom, as
    a share over the entries of a single response has)."""
    return value is None or float(value) != float(value)


@register.filter
def pct(value, digits=0):
    """0.662 -> '66%' (or '66,2%' with digits=1), in the active language's number format."""
    if _missing(value):
        return "–"
    return f"{_rounded(float(value) * 100, int(digits))}%"


@register.filter
def num(value, digits=2):
    if _missing(value):
        return "–"
    return _rounded(float(value), int(digits))


@register.filter
def minutes(span):
    """A duration as people say it: '7 min', '1 h 05 min', '40 s'."""
    seconds = round(span.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    hours, rest = divmod(round(seconds / 60), 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


@register.filter
def side(consolidated):
    if consolidated == "above":
        return translation.gettext("consolidated, above")
    if consolidated == "below":
        return translation.gettext("consolidated, below")
    return translation.gettext("not yet clear")


@register.filter
def decision(quantity) -> str:
    """What the dashboard's status column says, with the threshold it is about: "consolidated,
    above 50%", "not yet clear (threshold: 3.00)"."""
    threshold = pct(quantity.threshold) if quantity.kind == "share" else num(quantity.threshold, 2)
    if quantity.consolidated == "above":
        text = translation.gettext("consolidated, above %(threshold)s")
    elif quantity.consolidated == "below":
        text = translation.gettext("consolidated, below %(threshold)s")
    else:
        text = translation.gettext("not yet clear (threshold: %(threshold)s)")
    return text % {"threshold": threshold}


_WEIGHTING = (
    (
        "post-stratified to the panel's composition by ",
        "post-stratified to the panel's composition by %(by)s",
    ),
    ("raked to the panel's composition by ", "raked to the panel's composition by %(by)s"),
)


@register.filter
def weighting(text: str) -> str:
    """The analysis's account of its weighting (pure core, in English) in the page's language."""
    if text == "unweighted":
        return translation.gettext("unweighted")
    for start, wording in _WEIGHTING:
        if text.startswith(start):
            by = text[len(start) :].replace(" and ", translation.gettext(" and "))
            return translation.gettext(wording) % {"by": by}
    return text


@register.filter
def has_threshold(quantity) -> bool:
    """Whether a quantity is about a threshold (half, a scale's midpoint): a count or a
    duration has none (NaN), so no "consolidated" or "not yet clear" is said of it."""
    return quantity is not None and quantity.threshold == quantity.threshold


@register.filter
def change(value, kind="share"):
    """A difference with its sign: +12,3 points of a share, or +1,25 of a mean."""
    if _missing(value):
        return "–"
    sign = "+" if float(value) > 0 else ("−" if float(value) < 0 else "±")
    if kind == "share":
        words = translation.gettext("points")
        return f"{sign}{_rounded(abs(float(value)) * 100, 1)} {words}"
    return f"{sign}{_rounded(abs(float(value)), 2)}"
