"""How X measures a post: weighted length per twitter-text v3, limit 280."""

from __future__ import annotations

import re
import unicodedata

MAX_WEIGHTED_LENGTH = 280
URL_LENGTH = 23
"""Every URL counts as a t.co link of 23 characters, whatever its real length."""

_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
"""Latin and common punctuation weigh 1; everything else (CJK, emoji...) weighs 2."""

_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_JOINERS = {0x200D}
_MODIFIERS = {0xFE0F, 0x20E3, *range(0x1F3FB, 0x1F400)}


def _is_emoji(code: int) -> bool:
    return 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF


def _weigh(text: str) -> int:
    """Sum of character weights; an emoji sequence (ZWJ, skin tone, VS16) weighs 2 once."""
    total, index, codes = 0, 0, [ord(ch) for ch in text]
    while index < len(codes):
        code = codes[index]
        index += 1
        if _is_emoji(code):
            while index < len(codes) and (codes[index] in _MODIFIERS or codes[index] in _JOINERS):
                index += 2 if codes[index] in _JOINERS else 1
            total += 2
        elif any(start <= code <= end for start, end in _LIGHT_RANGES):
            total += 1
        else:
            total += 2
    return total


def weighted_length(text: str) -> int:
    """X's count for `text`: NFC-normalised, URLs as 23, heavy characters as 2."""
    text = unicodedata.normalize("NFC", text)
    total, position = 0, 0
    for match in _URL.finditer(text):
        total += _weigh(text[position : match.start()]) + URL_LENGTH
        position = match.end()
    return total + _weigh(text[position:])
