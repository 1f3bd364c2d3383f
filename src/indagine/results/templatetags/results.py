from django import template
from django.utils import formats, translation

register = template.Library()


@register.filter
def pct(value, digits=0):
    """0.662 -> '66%' (or '66,2%' with digits=1), in the active language's number format."""
    if value is None:
        return "–"
    number = formats.number_format(float(value) * 100, int(digits), use_l10n=True)
    return f"{number}%"


@register.filter
def num(value, digits=2):
    if value is None:
        return "–"
    return formats.number_format(float(value), int(digits), use_l10n=True)


@register.filter
def side(consolidated):
    if consolidated == "above":
        return translation.gettext("consolidated, above")
    if consolidated == "below":
        return translation.gettext("consolidated, below")
    return translation.gettext("not yet clear")
