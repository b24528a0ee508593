"""Latin name keys for exact and prefix search.

Full cross-script identity matching lives in identity/; this is only the fold that makes
"Hüseynov", "HUSEYNOV" and "huseynov" the same prefix, done once on write.
"""

from __future__ import annotations

import unicodedata

# Letters NFKD does not decompose, or that ICAO 9303 transliterates to one Latin letter.
_SPECIAL = str.maketrans(
    {
        "Ə": "A",
        "ə": "A",
        "I": "I",
        "ı": "I",
        "İ": "I",
        "Ø": "O",
        "ø": "O",
        "Đ": "D",
        "đ": "D",
        "Ł": "L",
        "ł": "L",
        "Þ": "TH",
        "þ": "TH",
        "ß": "SS",
        "Æ": "AE",
        "æ": "AE",
        "Œ": "OE",
        "œ": "OE",
        "Ħ": "H",
        "ħ": "H",
    }
)


def fold(text: str) -> str:
    """Upper-case ASCII letters, digits and single spaces; everything else dropped."""
    text = text.translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", text)
    out = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        if ch.isascii() and ch.isalnum():
            out.append(ch.upper())
        elif ch in " -'‘’`<,.":
            out.append(" ")
    return " ".join("".join(out).split())


def name_key(family_name: str, given_names: str = "") -> str:
    return f"{fold(family_name)} {fold(given_names)}".strip()
