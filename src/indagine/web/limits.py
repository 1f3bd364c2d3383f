"""Rate limits as the settings give them."""


def rate(value: str) -> str | None:
    """A rate limit's setting (count/period), or None when it is turned off ('', off, 0)."""
    return None if value.strip().lower() in {"", "off", "0"} else value
