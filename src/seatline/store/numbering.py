"""Which dialled numbers a tenant may own: E.164, 95xxx service numbers, short demo numbers."""

import re

__all__ = ["normalize_number"]

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_SERVICE = re.compile(r"95[0-9]{3,6}")  # 5–8 digits starting 95
_SHORT = re.compile(r"[1-9][0-9]{2,5}")  # 3–6 digit in-house numbers such as 9000


def normalize_number(text: str) -> str:
    """Return the number without spaces or dashes; raise ValueError when it is none of the kinds."""
    compact = re.sub(r"[\s\-()]", "", text)
    if _E164.fullmatch(compact) or _SERVICE.fullmatch(compact) or _SHORT.fullmatch(compact):
        return compact
    raise ValueError(
        "must be E.164 (+4930123456), a 95xxx service number (5-8 digits) or a short number"
    )
