from django import template
from django.utils import formats, translation

register = template.Library()


@register.filter
def longdate(moment, with_time: bool = True) -> str:
    """'8 gennaio 2027, 17:00' in Italian (Django's Italian month names are capitalised, as
    Italian does not write them), '8 January 2027, 17:00' in English."""
    if not moment:
        return ""
    text = formats.date_format(moment, "j F Y, H:i" if with_time else "j F Y")
    return text.lower() if translation.get_language() == "it" else text
