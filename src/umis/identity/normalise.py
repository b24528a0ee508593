"""Name normalisation across scripts: the pure library identity resolution rests on.

No Django, no I/O beyond reading the variant data once. Everything is per token and
cached, because batch deduplication calls it millions of times (ADR 0013).

- `detect_script`: the ISO 15924 script of a text's letters.
- `romanise`: canonical upper-case ASCII (ICAO 9303 Cyrillic, Azerbaijani per ICAO,
  Georgian national system, Armenian, Greek, basic Arabic/Persian and Hebrew, Chinese
  characters as Hanyu Pinyin without tones (pypinyin's bundled dictionary), Devanagari
  and Bengali letter by letter; other Latin diacritics folded).
- `token_key`: the phonetic key of one token. It is also the "phonetic key" of ADR 0013:
  equal for the spellings different systems give one name (Гусейнов / HUSEYNOV /
  GUSEINOV), and for the spellings in a variant group (identity/data/variant_groups.toml).
- `token_variants`: the romanised spellings a source may have written for a token.
- `parse_name`, `ParsedName`: romanised family / given / patronymic tokens, with
  patronymics pulled out of the other fields and titles dropped.
- `name_similarity`, `same_name`: the order-free score and the corpus predicate.

docs/identity-names.md explains the folding to officers and how to add a variant group.
"""

from __future__ import annotations

import bisect
import itertools
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz.distance import JaroWinkler

DATA_DIR = Path(__file__).resolve().parent / "data"

# --------------------------------------------------------------------------------------
# Script detection
# --------------------------------------------------------------------------------------

# (first code point, last code point, ISO 15924 code); letters outside every range are
# of a script UMIS has no table for ("Zzzz", ISO 15924's "unknown").
# fmt: off
_SCRIPT_RANGES: list[tuple[int, int, str]] = sorted(
    [
        (0x0041, 0x005A, "Latn"),
        (0x0061, 0x007A, "Latn"),
        (0x00AA, 0x00AA, "Latn"),
        (0x00BA, 0x00BA, "Latn"),
        (0x00C0, 0x024F, "Latn"),
        (0x0250, 0x02AF, "Latn"),
        (0x1E00, 0x1EFF, "Latn"),
        (0x2C60, 0x2C7F, "Latn"),
        (0xA720, 0xA7FF, "Latn"),
        (0xFF21, 0xFF3A, "Latn"),
        (0xFF41, 0xFF5A, "Latn"),
        (0x0370, 0x03FF, "Grek"),
        (0x1F00, 0x1FFF, "Grek"),
        (0x0400, 0x052F, "Cyrl"),
        (0x1C80, 0x1C8F, "Cyrl"),
        (0x2DE0, 0x2DFF, "Cyrl"),
        (0xA640, 0xA69F, "Cyrl"),
        (0x0530, 0x058F, "Armn"),
        (0xFB13, 0xFB17, "Armn"),
        (0x0590, 0x05FF, "Hebr"),
        (0xFB1D, 0xFB4F, "Hebr"),
        (0x0600, 0x06FF, "Arab"),
        (0x0750, 0x077F, "Arab"),
        (0x08A0, 0x08FF, "Arab"),
        (0xFB50, 0xFDFF, "Arab"),
        (0xFE70, 0xFEFF, "Arab"),
        (0x0900, 0x097F, "Deva"),
        (0x0980, 0x09FF, "Beng"),
        (0x10A0, 0x10FF, "Geor"),
        (0x1C90, 0x1CBF, "Geor"),
        (0x2D00, 0x2D2F, "Geor"),
        (0x3005, 0x3007, "Hani"),
        (0x3400, 0x4DBF, "Hani"),
        (0x4E00, 0x9FFF, "Hani"),
        (0xF900, 0xFAFF, "Hani"),
        (0x20000, 0x3134F, "Hani"),
    ]
)
# fmt: on
_RANGE_STARTS = [r[0] for r in _SCRIPT_RANGES]


def _char_script(ch: str) -> str:
    cp = ord(ch)
    i = bisect.bisect_right(_RANGE_STARTS, cp) - 1
    if i >= 0 and cp <= _SCRIPT_RANGES[i][1]:
        return _SCRIPT_RANGES[i][2]
    return "Zzzz"


@lru_cache(maxsize=65_536)
def detect_script(text: str) -> str:
    """ISO 15924 code of the letters in `text` ("Latn", "Cyrl", "Geor", "Arab", "Armn",
    "Hani", "Grek", "Hebr", "Deva", "Beng"); "Zmix" when letters of two or more scripts
    occur, "Zzzz" for a script without a table, "" when there are no letters."""
    found = ""
    for ch in text:
        if not ch.isalpha():
            continue
        # Fast path for ASCII letters (the gap [\]^_` between Z and a is not alpha).
        script = "Latn" if "A" <= ch <= "z" else _char_script(ch)
        if not found:
            found = script
        elif script != found:
            return "Zmix"
    return found


# --------------------------------------------------------------------------------------
# Romanisation
# --------------------------------------------------------------------------------------

# ICAO 9303 part 3 Cyrillic (Russian, Ukrainian, Belarusian, Serbian, Macedonian) and the
# letters of Azerbaijani/Kazakh/Uzbek Cyrillic, mapped to the Azerbaijani Latin letter's
# ICAO fold so that "Ҹәфәр" and "Cəfər" romanise alike.
# fmt: off
_CYRILLIC = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ё": "E", "Ж": "ZH", "З": "Z",
    "И": "I", "Й": "I", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O", "П": "P", "Р": "R",
    "С": "S", "Т": "T", "У": "U", "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH", "Ш": "SH",
    "Щ": "SHCH", "Ъ": "IE", "Ы": "Y", "Ь": "", "Э": "E", "Ю": "IU", "Я": "IA",
    # Ukrainian and Belarusian
    "Ґ": "G", "Є": "IE", "І": "I", "Ї": "I", "Ў": "U",
    # Serbian and Macedonian
    "Ђ": "D", "Ј": "J", "Љ": "LJ", "Њ": "NJ", "Ћ": "C", "Џ": "DZ", "Ѓ": "G", "Ќ": "K",
    "Ѕ": "DZ",
    # Azerbaijani, Kazakh, Uzbek, Tatar, Kyrgyz, Tajik Cyrillic
    "Ә": "A", "Ғ": "G", "Ҝ": "G", "Һ": "H", "Ҹ": "C", "Ө": "O", "Ү": "U", "Ұ": "U", "Қ": "Q",
    "Ң": "N", "Җ": "ZH", "Ҷ": "J", "Ӯ": "U", "Ӣ": "I", "Ҳ": "KH",
}
# fmt: on

# Georgian national romanisation (2002), the system of Georgian passports, without the
# apostrophes of the ejectives (კ k', პ p', ტ t', ყ q', წ ts', ჭ ch') as passports omit them.
# fmt: off
_GEORGIAN = {
    "ა": "A", "ბ": "B", "გ": "G", "დ": "D", "ე": "E", "ვ": "V", "ზ": "Z", "თ": "T", "ი": "I",
    "კ": "K", "ლ": "L", "მ": "M", "ნ": "N", "ო": "O", "პ": "P", "ჟ": "ZH", "რ": "R", "ს": "S",
    "ტ": "T", "უ": "U", "ფ": "P", "ქ": "K", "ღ": "GH", "ყ": "Q", "შ": "SH", "ჩ": "CH",
    "ც": "TS", "ძ": "DZ", "წ": "TS", "ჭ": "CH", "ხ": "KH", "ჯ": "J", "ჰ": "H",
    # archaic letters
    "ჱ": "E", "ჲ": "Y", "ჳ": "V", "ჴ": "Q", "ჵ": "O", "ჶ": "F", "ჷ": "", "ჸ": "", "ჹ": "",
    "ჺ": "",
}
# fmt: on

# Armenian (Eastern, as Armenian passports write it). "ՈՒ"/"ու" is one vowel (U): handled
# before the table, see _pre_armenian.
# fmt: off
_ARMENIAN_UPPER = {
    "Ա": "A", "Բ": "B", "Գ": "G", "Դ": "D", "Ե": "E", "Զ": "Z", "Է": "E", "Ը": "Y", "Թ": "T",
    "Ժ": "ZH", "Ի": "I", "Լ": "L", "Խ": "KH", "Ծ": "TS", "Կ": "K", "Հ": "H", "Ձ": "DZ",
    "Ղ": "GH", "Ճ": "CH", "Մ": "M", "Յ": "Y", "Ն": "N", "Շ": "SH", "Ո": "O", "Չ": "CH",
    "Պ": "P", "Ջ": "J", "Ռ": "R", "Ս": "S", "Վ": "V", "Տ": "T", "Ր": "R", "Ց": "TS", "Ւ": "V",
    "Փ": "P", "Ք": "K", "Օ": "O", "Ֆ": "F",
}
# fmt: on

# Greek (ELOT 743, the Greek passport system, letter by letter).
# fmt: off
_GREEK_UPPER = {
    "Α": "A", "Β": "V", "Γ": "G", "Δ": "D", "Ε": "E", "Ζ": "Z", "Η": "I", "Θ": "TH", "Ι": "I",
    "Κ": "K", "Λ": "L", "Μ": "M", "Ν": "N", "Ξ": "X", "Ο": "O", "Π": "P", "Ρ": "R", "Σ": "S",
    "Τ": "T", "Υ": "Y", "Φ": "F", "Χ": "CH", "Ψ": "PS", "Ω": "O",
}
# fmt: on

# Arabic and Persian letters: a consonant skeleton with the long vowels. Approximate by
# nature (short vowels are not written); the Latin name of the passport is the better
# witness, this only lets an Arabic-script record find candidates at all.
# fmt: off
_ARABIC = {
    "ا": "A", "أ": "A", "إ": "I", "آ": "A", "ٱ": "A", "ب": "B", "پ": "P", "ت": "T", "ث": "S",
    "ج": "J", "چ": "CH", "ح": "H", "خ": "KH", "د": "D", "ذ": "Z", "ر": "R", "ز": "Z", "ژ": "ZH",
    "س": "S", "ش": "SH", "ص": "S", "ض": "Z", "ط": "T", "ظ": "Z", "ع": "", "غ": "GH", "ف": "F",
    "ق": "Q", "ك": "K", "ک": "K", "گ": "G", "ل": "L", "م": "M", "ن": "N", "ه": "H", "ة": "A",
    "و": "U", "ؤ": "U", "ي": "I", "ی": "I", "ى": "A", "ئ": "I", "ء": "", "ۀ": "E",
    "\u064e": "A", "\u064f": "U", "\u0650": "I",  # fatha, damma, kasra
}
# fmt: on

# fmt: off
_HEBREW = {
    "א": "", "ב": "B", "ג": "G", "ד": "D", "ה": "H", "ו": "V", "ז": "Z", "ח": "KH", "ט": "T",
    "י": "Y", "כ": "K", "ך": "KH", "ל": "L", "מ": "M", "ם": "M", "נ": "N", "ן": "N", "ס": "S",
    "ע": "", "פ": "P", "ף": "F", "צ": "TS", "ץ": "TS", "ק": "K", "ר": "R", "ש": "SH", "ת": "T",
}
# fmt: on

# Latin letters NFKD does not decompose, and Azerbaijani per ICAO (Ə → A). Upper and
# lower case listed: "İ".lower() and "ß".upper() change length, so we never case-map
# before translating.
# fmt: off
_LATIN_SPECIAL = {
    "Ə": "A", "ə": "A", "Ǝ": "E", "ǝ": "E", "ı": "I", "İ": "I", "Ø": "O", "ø": "O", "Đ": "D",
    "đ": "D", "Ð": "D", "ð": "D", "Ł": "L", "ł": "L", "Þ": "TH", "þ": "TH", "ß": "SS",
    "ẞ": "SS", "Æ": "AE", "æ": "AE", "Œ": "OE", "œ": "OE", "Ħ": "H", "ħ": "H", "Ŋ": "NG",
    "ŋ": "NG", "ſ": "S", "Ŀ": "L", "ŀ": "L", "Ŧ": "T", "ŧ": "T", "Ɨ": "I", "ɨ": "I", "ƒ": "F",
    "Ɵ": "O", "ɵ": "O", "Ʒ": "ZH", "ʒ": "ZH", "Ɖ": "D", "ɖ": "D", "Ƒ": "F",
}
# fmt: on

# Apostrophes and letter modifiers are dropped (O'Brien → OBRIEN, Georgian k' → K,
# Ukrainian apostrophe, Uzbek oʻ/gʻ).
_DROPPED = "'’‘`´ʼʻʹʽˈ\u02bc\u02bb\u0384\u055a\u055b\u055c\u055e\u05f3"


_YPOGEGRAMMENI = "\u0345"


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}

    def put(src: str, dst: str) -> None:
        table[ord(src)] = dst

    for upper, latin in _CYRILLIC.items():
        put(upper, latin)
        lower = upper.lower()
        if len(lower) == 1 and lower != upper:
            put(lower, latin)
    for georgian, latin in _GEORGIAN.items():
        put(georgian, latin)
    # Mtavruli (capitals) and Asomtavruli/Nuskhuri share the Mkhedruli letter names.
    for cp in itertools.chain(range(0x1C90, 0x1CC0), range(0x10A0, 0x10C6), range(0x2D00, 0x2D26)):
        name = unicodedata.name(chr(cp), "")
        for prefix in (
            "GEORGIAN MTAVRULI CAPITAL LETTER ",
            "GEORGIAN CAPITAL LETTER ",
            "GEORGIAN SMALL LETTER ",
        ):
            if name.startswith(prefix):
                try:
                    base = unicodedata.lookup("GEORGIAN LETTER " + name[len(prefix) :])
                except KeyError:
                    break
                if base in _GEORGIAN:
                    put(chr(cp), _GEORGIAN[base])
                break
    for upper, latin in itertools.chain(_ARMENIAN_UPPER.items(), _GREEK_UPPER.items()):
        put(upper, latin)
        put(upper.lower(), latin)
    put("ς", "S")
    put("և", "EV")
    for src, dst in itertools.chain(_ARABIC.items(), _HEBREW.items(), _LATIN_SPECIAL.items()):
        put(src, dst)
    # Every other Latin letter with diacritics, and accented Greek, by decomposition.
    for cp in itertools.chain(
        range(0x00C0, 0x0250), range(0x1E00, 0x1F00), range(0x0386, 0x03D0), range(0x1F00, 0x2000)
    ):
        if cp in table:
            continue
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base.isascii() and base.isalpha():
            table[cp] = base.upper()
        elif base and all(c.upper() in _GREEK_UPPER for c in base):
            # The iota subscript is an iota (upper case writes it so: ᾠ → ὨΙ).
            iota = "I" if _YPOGEGRAMMENI in unicodedata.normalize("NFKD", ch) else ""
            table[cp] = "".join(_GREEK_UPPER[c.upper()] for c in base) + iota
    for ch in _DROPPED:
        put(ch, "")
    # Combining marks of decomposed input ("u" + U+0308) are dropped.
    for cp in range(0x0300, 0x0370):
        table[cp] = ""
    table[ord(_YPOGEGRAMMENI)] = "I"
    for cp in range(0x064B, 0x0660):  # Arabic harakat other than the three vowels above
        table.setdefault(cp, "")
    return table


_TABLE = _build_table()
_NON_LETTERS = re.compile(r"[^A-Z]+")
_ARMENIAN_U = re.compile(r"[Ոո][Ււ]")
_GREEK_OU = re.compile(r"[ΟοΌό][ΥυΎύ]")  # ELOT 743: ΟΥ is U, written OU


# Devanagari and Bengali share one layout (ISCII): a letter's offset in its block is the
# same sound in both. Consonants carry an inherent A that a vowel sign replaces and the
# virama removes; the word-final inherent A is not pronounced (RAM, not RAMA).
# fmt: off
_INDIC_CONSONANTS = dict(zip(range(0x15, 0x3A), (
    "K", "KH", "G", "GH", "N", "CH", "CHH", "J", "JH", "N", "T", "TH", "D", "DH", "N",
    "T", "TH", "D", "DH", "N", "N", "P", "PH", "B", "BH", "M", "Y", "R", "R", "L", "L",
    "L", "V", "SH", "SH", "S", "H",
), strict=True))
# fmt: on
_INDIC_CONSONANTS.update(
    {0x58: "Q", 0x59: "KH", 0x5A: "GH", 0x5B: "Z", 0x5C: "R", 0x5D: "RH", 0x5E: "F", 0x5F: "Y"}
)
_INDIC_VOWELS = {
    0x05: "A",
    0x06: "A",
    0x07: "I",
    0x08: "I",
    0x09: "U",
    0x0A: "U",
    0x0B: "RI",
    0x0F: "E",
    0x10: "AI",
    0x13: "O",
    0x14: "AU",
    0x0E: "E",
    0x12: "O",
}
_INDIC_SIGNS = {
    0x3E: "A",
    0x3F: "I",
    0x40: "I",
    0x41: "U",
    0x42: "U",
    0x43: "RI",
    0x47: "E",
    0x48: "AI",
    0x4B: "O",
    0x4C: "AU",
    0x46: "E",
    0x4A: "O",
}
_INDIC_MARKS = {0x01: "N", 0x02: "N", 0x03: "H"}
_NUKTA = {"J": "Z", "PH": "F", "K": "Q", "KH": "KH", "G": "GH", "D": "R", "DH": "RH"}


def _indic(text: str) -> str:
    out: list[str] = []
    inherent = False  # the last consonant still carries its inherent A
    cluster = False  # ... and it closed a consonant cluster
    for ch in unicodedata.normalize("NFC", text):
        code = ord(ch)
        block = code & ~0x7F
        offset = code - block
        if block not in (0x0900, 0x0980):
            if inherent and not ch.isalpha():
                # Word end: the final inherent A is silent, except after a consonant
                # cluster (नरेंद्र NARENDRA).
                if cluster:
                    out.append("A")
                inherent = False
            elif inherent:
                out.append("a")
                inherent = False
            out.append(ch)
            continue
        if offset in _INDIC_CONSONANTS or (block == 0x0980 and offset == 0x4E):
            if inherent:
                out.append("a")
            cluster = bool(out) and out[-1] == "\u094d"
            if cluster:
                out.pop()
            out.append(_INDIC_CONSONANTS.get(offset, "T"))  # Bengali khanda ta
            inherent = offset != 0x4E
        elif offset == 0x3C and out:  # nukta: the borrowed sounds (ज़ Z, फ़ F)
            out[-1] = _NUKTA.get(out[-1], out[-1])
        elif offset in _INDIC_SIGNS:
            out.append(_INDIC_SIGNS[offset])
            inherent = False
        elif offset == 0x4D:  # virama: the next consonant is part of a cluster
            inherent = False
            out.append("\u094d")
        elif offset in _INDIC_VOWELS:
            if inherent:
                out.append("a")
            out.append(_INDIC_VOWELS[offset])
            inherent = False
        elif offset in _INDIC_MARKS:
            if inherent:
                out.append("a")
            out.append(_INDIC_MARKS[offset])
            inherent = False
        else:
            if inherent:
                out.append("a")
            inherent = False
            out.append(" ")
    if inherent and cluster:
        out.append("A")
    text = "".join(out).replace("\u094d", "")
    return _SCHWA.sub(r"\1", text).replace("a", "A")


# Hindi drops an inherent A between a vowel + consonant and a consonant + vowel
# (रहमान RAHMAN, not RAHAMAN); inherent A's are lower case until then.
_SCHWA = re.compile(
    r"(?<=[AEIOUa])((?:[BCDFGHJKLMNPQRSTVWXYZ]H?))a(?=[BCDFGHJKLMNPQRSTVWXYZ]H?[AEIOU])"
)


def _han(text: str) -> str:
    """Chinese characters as toneless pinyin, each run of characters one word (given
    names are written joined in Chinese passports: XIAOMING)."""
    # Names are read character by character: pypinyin's phrase dictionary (words, not
    # names) changes no name's reading and costs a fifth of a second to load.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")
    from pypinyin import Style, lazy_pinyin

    out: list[str] = []
    run: list[str] = []
    for ch in text + " ":
        if _char_script(ch) == "Hani":
            run.append(ch)
            continue
        if run:
            syllables = lazy_pinyin("".join(run), style=Style.NORMAL, errors="ignore")
            out.append("".join(syllables).replace("v", "u"))  # lü is written lv
            run = []
        out.append(ch)
    return "".join(out[:-1])


def _slow_fold(text: str) -> str:
    """Characters no table knows: Chinese and Indic scripts by their own rules; otherwise
    decompose compatibility forms (full-width letters, ligatures) and keep ASCII letters;
    anything else is dropped."""
    if any("\u0900" <= ch <= "\u09ff" for ch in text):
        text = _indic(text)
    if any(_char_script(ch) == "Hani" for ch in text if ord(ch) >= 0x3000):
        text = _han(text)
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        if ch.isascii():
            out.append(ch)
            continue
        mapped = _TABLE.get(ord(ch))
        if mapped is None:
            # A letter the tables know only by its capital (ᲀ, the old rounded Cyrillic
            # ve, is В): a name and its upper case must romanise alike.
            up = ch.upper()
            if up != ch and all(ord(u) in _TABLE for u in up):
                mapped = "".join(_TABLE[ord(u)] for u in up)
        if mapped is not None:
            out.append(mapped)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if c.isascii())
        out.append(base if base.isalpha() else " ")
    return "".join(out)


_INITIAL_AYN = re.compile(r"(?<![\u0600-\u06ff])ع")
_FINAL_HE = re.compile(r"(?<=[\u0621-\u064a\u067e-\u06cc])(?<![اآ])ه(?![\u0600-\u06ff])")


@lru_cache(maxsize=200_000)
def romanise(text: str) -> str:
    """Canonical upper-case ASCII Latin of `text`: letters A–Z, words separated by single
    spaces; punctuation, digits and hyphens become spaces, apostrophes are dropped."""
    if text.isascii():
        if text.isalpha() and text.isupper():
            return text  # the common case in batches: already canonical
        out = text.replace("'", "").replace("`", "")
    else:
        if "ո" in text or "Ո" in text:
            text = _ARMENIAN_U.sub("U", text)
        if "υ" in text or "Υ" in text or "ύ" in text:
            text = _GREEK_OU.sub("OU", text)
        if "ع" in text:
            # A word-initial ʿayn carries the unwritten first vowel: علی ALI, عمر OMAR,
            # عباس ABBAS (elsewhere it is silent in the Latin spellings: JAFAR, SAID).
            text = _INITIAL_AYN.sub("A", text)
        if "ه" in text:
            # A word-final he after a consonant is the vowel -e/-a: فاطمه FATEMEH /
            # FATIMA, زهره ZOHREH (after alef it is H: شاه SHAH).
            text = _FINAL_HE.sub("E", text)
        out = text.translate(_TABLE)
    if not out.isascii():
        out = _slow_fold(out)
    return " ".join(_NON_LETTERS.sub(" ", out.upper()).split())


# --------------------------------------------------------------------------------------
# Phonetic key
# --------------------------------------------------------------------------------------

# The key is a romanised token (spaces removed) folded step by step. Each step folds
# spellings that systems use for one sound; what is NOT folded keeps names apart (see the
# must-not corpus): the vowels (HASAN / HUSEYN, MÜLLER / MÖLLER), endings (IVANOV /
# IVANOVA, ALIYEV / ALIZADE), an initial E vs A (ELENA / ALENA). Plain
# str.replace/translate, not regexes, where possible: this runs once per distinct token
# of a million-record batch.
_KEY_REPLACE_1 = (
    ("OE", "O"),  # German/Turkish umlaut spellings (AE needs no rule: E and A fold)
    ("UE", "U"),
    ("OU", "U"),  # French/English spellings of U (MAHMOUD, MOUSAVI, NOURI)
    ("OO", "U"),  # English spellings of U (NOOR, MOOSA)
    ("EE", "I"),  # English spellings of I (GEETA / GITA, AMEER / AMIR, REZAEE / REZAI)
    ("TSCH", "J"),  # German Ч
    ("SHCH", "S"),  # Щ (Ш and Щ are one key: ICAO Ş is S anyway)
    ("SCH", "S"),
    ("SHH", "S"),
    ("CHR", "KR"),  # CHRISTINA
    # Affricates and palatals: DZH, DJ, ZH, CH, Azerbaijani C (= J) and Ç (ICAO C).
    ("DZH", "J"),
    ("DJ", "J"),
    ("TCH", "J"),
    ("ZH", "J"),
    ("CH", "J"),
    ("CK", "K"),
)
# C before a consonant is K (CLAUDIA, CRISTINA); any other C is Azerbaijani C or
# Turkish Ç (KOÇ): J.
_C_AS_K = re.compile(r"C(?=[^AEIOUYC])")
_KEY_REPLACE_2 = (
    ("SH", "S"),
    ("SZ", "S"),
    ("KH", "H"),
    ("GH", "H"),
    ("PH", "F"),
    ("TH", "T"),
)
# Velars and glottals are one letter: Azerbaijani Q is Russian Г (Qasımov / Гасымов) or К
# (Quliyev / Кулиев), Azerbaijani H is Russian Г (Hüseynov / Гусейнов), X is Х (KH),
# Ukrainian Г is H. So K, G, Q, X, KH, GH, H all fold to H. C left over is J, W is V, Y
# is the vowel I.
_KEY_LETTERS = bytes.maketrans(b"CKXGQWY", b"JHHHHVI")
# Letters a key can still hold; their doubles collapse (cheaper than a regex here).
_DOUBLES = tuple((c + c, c) for c in "ABDEFHIJLMNOPRSTUVZ")
# Russian writes Azerbaijani/Turkish Ü and Ö after a consonant as Ю/Ё (IU, IO) and Ə after
# K/G as Я (IA): Şükür / ШУКЮР, Gülnarə / ГЮЛЬНАРА, Kamran / КЯМРАН, Nigar / НИГЯР.
_SOFTENING_I = re.compile(r"(?<=[BDFHJLMNPRSTVZ])I(?=[OU])|(?<=H)I(?=A)")


def _collapse(key: str) -> str:
    for double, single in _DOUBLES:
        while double in key:
            key = key.replace(double, single)
    return key


def _skeleton(romanised: str) -> str:
    key = romanised.replace(" ", "")
    if len(key) > 2 and key[1] == "E" and key[0] in "YI":
        key = key[1:]  # old spellings YE/IE of Е and Є: YEVGENIY → EVGENIY
    for old, new in _KEY_REPLACE_1:
        if old in key:
            key = key.replace(old, new)
    if "C" in key:
        key = _C_AS_K.sub("K", key)
    for old, new in _KEY_REPLACE_2:
        if old in key:
            key = key.replace(old, new)
    key = key.encode("ascii").translate(_KEY_LETTERS).decode("ascii")
    # E folds into A except word-initially: Ə is A in ICAO but Е/Э in Russian
    # (MAMMADOV / MAMEDOV, KARIMOV / KERIMOV).
    key = _collapse(key[:1] + key[1:].replace("E", "A"))
    if "I" in key:
        key = _SOFTENING_I.sub("", key)
        # -AYEV / -AEV (Babayev / Бабаев): a Y between two A's is not written in Russian.
        if "AIA" in key:
            key = _collapse(key.replace("AIA", "A"))
        # -ЬЕВ / -ИЕВ endings: ICAO drops the soft sign (Васильев VASILEV), older
        # passports write VASILYEV / VASILIEV; -IEV after a consonant is read as -EV.
        if key.endswith(("IAV", "IAVA")):
            i = key.rfind("IAV")
            if i > 1 and key[i - 1] not in "AEIOU":
                key = key[:i] + key[i + 1 :]
    # A final H after a vowel is silent (ABDULLAH / ABDULLA, FATIMAH / FATIMA).
    if len(key) > 2 and key[-1] == "H" and key[-2] in "AEIOU":
        key = key[:-1]
    return key


@lru_cache(maxsize=1)
def _variant_data() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """(skeleton of a member → skeleton of its group's canonical, canonical skeleton →
    romanised spellings of the group), from data/variant_groups.toml."""
    with (DATA_DIR / "variant_groups.toml").open("rb") as fh:
        data = tomllib.load(fh)
    to_canonical: dict[str, str] = {}
    spellings: dict[str, frozenset[str]] = {}
    for group in data.get("group", []):
        canonical = romanise(group["canonical"])
        target = _skeleton(canonical)
        names = {canonical} | {romanise(m) for m in group.get("members", [])}
        names.discard("")
        for name in names:
            to_canonical[_skeleton(name)] = target
        spellings[target] = frozenset(names) | spellings.get(target, frozenset())
    return to_canonical, spellings


@lru_cache(maxsize=200_000)
def token_key(token: str) -> str:
    """Cross-variant phonetic key of one name token, in any script. Equal for spellings
    of one name (HUSEYNOV / GUSEINOV / Гусейнов / Hüseynov, MOHAMMAD / MD), different
    for different names (HASANOV / HUSEYNOV, IVANOV / IVANOVA). "" for no letters."""
    skeleton = _skeleton(romanise(token))
    return _variant_data()[0].get(skeleton, skeleton)


# --------------------------------------------------------------------------------------
# Variants
# --------------------------------------------------------------------------------------

# Readings of one source letter that systems write (in addition to the canonical one).
# fmt: off
_LETTER_VARIANTS: dict[str, tuple[str, ...]] = {
    # Cyrillic: ICAO first, then pre-2013 Russian passports / GOST / German & French usage.
    "Ю": ("IU", "YU", "U", "JU"), "Я": ("IA", "YA", "JA", "A"), "Х": ("KH", "H", "X"),
    "Ж": ("ZH", "J"), "Й": ("I", "Y", "J", ""), "Ы": ("Y", "I"), "Ё": ("E", "YO", "IO"),
    "Щ": ("SHCH", "SCH", "SHH"), "Ц": ("TS", "C", "TZ"), "Г": ("G", "H"), "Е": ("E", "YE"),
    "Ъ": ("IE", ""), "Ь": ("", "Y"), "Є": ("IE", "YE", "JE"), "Ї": ("I", "YI", "JI"),
    "Э": ("E", "A"), "Ч": ("CH", "TSCH"), "Ш": ("SH", "SCH"),
    # Azerbaijani and Turkish letters: the ICAO fold and the transcriptions.
    "Ə": ("A", "E"), "Ö": ("O", "OE"), "Ü": ("U", "UE"), "Ä": ("A", "AE"), "Ş": ("S", "SH"),
    "Ç": ("C", "CH"), "Ğ": ("G", "GH", ""), "ı": ("I", "Y"),
}
# fmt: on
# Latin letters whose Azerbaijani reading differs from the English one; varied only in
# tokens written with an Azerbaijani letter (Ə Ğ ı İ Ş Ç), so SMITH gets no KH reading.
_AZ_LATIN_VARIANTS: dict[str, tuple[str, ...]] = {
    "X": ("X", "KH", "H"),
    "Q": ("Q", "G"),
    "C": ("C", "J", "DZH"),
    "Y": ("Y", "I"),
}
_AZ_MARKERS = frozenset("ƏəĞğıİŞşÇç")
_MAX_VARIANTS = 256


@lru_cache(maxsize=100_000)
def token_variants(token: str) -> frozenset[str]:
    """Romanised spellings a source may have written for `token` (ö → O and OE, Ю → IU,
    YU or U, Х → KH, H or X, ...), its own romanisation and its variant group's spellings
    included. Capped at a few hundred; the key, not this set, is the equality test."""
    own = romanise(token)
    if not own:
        return frozenset()
    azerbaijani = any(ch in _AZ_MARKERS for ch in token)
    readings: set[str] = {""}
    for ch in unicodedata.normalize("NFC", token):
        up = ch if ch in "ıi" else ch.upper()  # ı keeps its own readings (I, Ы as Y)
        options: tuple[str, ...] | None = _LETTER_VARIANTS.get(up)
        if options is None and azerbaijani:
            options = _AZ_LATIN_VARIANTS.get(up)
        if options is None:
            options = (romanise(ch) if not ch.isspace() else " ",)
        if len(readings) * len(options) > _MAX_VARIANTS:
            options = options[:1]
        readings = {r + o for r in readings for o in options}
    result = {" ".join(r.split()) for r in readings}
    result.add(own)
    # Old Russian passport endings of -ИЙ / -ЫЙ: -IY, -II, -Y, -I.
    for r in list(result):
        for end in ("IY", "II", "YI", "IJ"):
            if r.endswith(end) and len(r) > 3:
                stem = r[:-2]
                result.update({stem + "IY", stem + "II", stem + "Y", stem + "I"})
                break
    result.update(_variant_data()[1].get(token_key(token), ()))
    result.discard("")
    return frozenset(result)


# --------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedName:
    """A name as romanised tokens. `patronymic` holds the father's given name only:
    ("ALI",) for "Əli oğlu", ("IVAN",) for "Иванович" / "IVANOVICH"."""

    family: tuple[str, ...] = ()
    given: tuple[str, ...] = ()
    patronymic: tuple[str, ...] = ()

    def tokens(self) -> tuple[str, ...]:
        return self.family + self.given


# Titles and honorifics that are never part of a registered name. HAJI/HACI and SEYID/
# SYED are kept: titles, but also given names and parts of registered names (Hacıağa).
_TITLES = frozenset(
    {
        "MR",
        "MRS",
        "MS",
        "MISS",
        "MSTR",
        "MASTER",
        "DR",
        "PROF",
        "SIR",
        "MADAM",
        "MME",
        "MLLE",
        "HERR",
        "FRAU",
        "GOSPODIN",
        "GOSPOZHA",
    }
)
# Turkic patronymic markers after the father's name: oğlu/oglu/ogly (son), qızı/kyzy/gizi
# (daughter), uulu (Kyrgyz son).
_PATRONYMIC_MARKERS = frozenset(
    {
        "OGLU",
        "OGLY",
        "OGHLU",
        "OGLI",
        "OGHLI",
        "UULU",
        "ULY",
        "QIZI",
        "KYZY",
        "GIZI",
        "KIZI",
        "GYZY",
        "QYZY",
        "KYZI",
        "QIZ",
        "KIZ",
    }
)
# East Slavic patronymic endings → how the father's name is recovered.
# (suffix, replacement); checked longest first. -EVICH after a vowel drops a Й (SERGEEVICH
# → SERGEI), after a consonant nothing (IGOREVICH → IGOR).
# fmt: off
_SLAVIC_IRREGULAR = {
    "ILYICH": "ILIA", "ILICH": "ILIA", "ILINICHNA": "ILIA", "NIKITICH": "NIKITA",
    "NIKITICHNA": "NIKITA", "KUZMICH": "KUZMA", "KUZMINICHNA": "KUZMA", "FOMICH": "FOMA",
    "FOMINICHNA": "FOMA", "LUKICH": "LUKA", "LUKINICHNA": "LUKA", "SAVVICH": "SAVVA",
    "SAVVICHNA": "SAVVA", "FOKICH": "FOKA", "FOKICHNA": "FOKA",
}
# fmt: on
_SLAVIC_PATRONYMIC = re.compile(
    r"^(?P<stem>[A-Z]{2,}?)(?P<suffix>OVICH|EVICH|OVYCH|EVYCH|OVNA|EVNA|IVNA|YIVNA|IIVNA)$"
)


def _father_from_slavic(token: str) -> str | None:
    """The father's given name in a Slavic patronymic token, or None if it is not one."""
    if token in _SLAVIC_IRREGULAR:
        return _SLAVIC_IRREGULAR[token]
    m = _SLAVIC_PATRONYMIC.match(token)
    if not m or len(token) < 6:
        return None
    stem, suffix = m["stem"], m["suffix"]
    if suffix in ("EVICH", "EVYCH", "EVNA") and stem[-1] in "AEIOUY":
        return stem + "I"  # SERGEEVICH → SERGEI, NIKOLAEVICH → NIKOLAI
    if suffix in ("YIVNA", "IIVNA"):
        return stem + "II"  # ANDRIIVNA → ANDRII
    if suffix in ("OVYCH", "OVICH") and stem.endswith("AI"):
        return stem[:-1]  # Ukrainian MYKOLAIOVYCH → MYKOLA
    return stem


def _split(field: str) -> list[str]:
    return [t for t in romanise(field.replace(".", " ")).split() if t not in _TITLES]


def _extract_patronymic(tokens: list[str], *, first_may_be: bool) -> tuple[list[str], list[str]]:
    """(remaining tokens, patronymic tokens) of one field. A Turkic marker takes the token
    before it; a Slavic form is taken when it is not the field's only given name."""
    for i, tok in enumerate(tokens):
        if tok in _PATRONYMIC_MARKERS and i >= 1:
            return tokens[: i - 1] + tokens[i + 1 :], [tokens[i - 1]]
    start = 0 if first_may_be else 1
    for i in range(len(tokens) - 1, start - 1, -1):
        slavic = _father_from_slavic(tokens[i])
        if slavic is not None:
            return tokens[:i] + tokens[i + 1 :], [slavic]
    return tokens, []


@lru_cache(maxsize=100_000)
def parse_name(family_name: str, given_names: str = "", patronymic: str = "") -> ParsedName:
    """Romanise and split a name; pull patronymics out of the given or family field where
    a source put them ("Rəşad Əli oğlu", "IVAN PETROVICH", "IVANOV IVAN IVANOVICH"), drop
    titles (MR, DR, ...). Empty input gives empty tuples."""
    family = _split(family_name or "")
    given = _split(given_names or "")
    patr = _split(patronymic or "")
    if patr:
        rest, father = _extract_patronymic(patr, first_may_be=True)
        patr = father or rest
    if given:
        given, found = _extract_patronymic(given, first_may_be=False)
        if found and not patr:
            patr = found
    if len(family) >= 2:
        rest, found = _extract_patronymic(family, first_may_be=False)
        if found:
            if not patr:
                patr = found
            family = rest
            # "IVANOV IVAN IVANOVICH" in one field: the family name comes first.
            if not given and len(family) >= 2:
                family, given = family[:1], family[1:]
    return ParsedName(tuple(family), tuple(given), tuple(patr))


# --------------------------------------------------------------------------------------
# Similarity
# --------------------------------------------------------------------------------------


def _tokens(seq: Iterable[str]) -> list[str]:
    out: list[str] = []
    for item in seq:
        out.extend(romanise(item).split())
    return out


@lru_cache(maxsize=200_000)
def _pair_score(x: str, y: str) -> float:
    if token_key(x) == token_key(y):
        return 1.0
    if len(x) == 1 or len(y) == 1:
        # An initial: as good as a near-certain typo if it fits, nothing if it does not.
        return 0.9 if _token_compatible(x, y) else 0.0
    return JaroWinkler.normalized_similarity(x, y)


def _merge_spacing(short: list[str], long_: list[str]) -> list[str]:
    """`long_` with adjacent tokens written together where the result has the key of a
    token of `short` (HUANG XIU YING against HUANG XIUYING → HUANG XIUYING)."""
    wanted = set(_keys(short))
    out = list(long_)
    i = 0
    while i < len(out) - 1 and len(out) > len(short):
        joined = out[i] + out[i + 1]
        if token_key(joined) in wanted:
            out[i : i + 2] = [joined]
        else:
            i += 1
    return out


def _best_alignment(a: list[str], b: list[str]) -> float:
    """Sum of scores of the best one-to-one alignment of the shorter list into the longer
    (exhaustive up to 6 tokens, greedy beyond)."""
    if len(a) > len(b):
        a, b = b, a
    scores = [[_pair_score(x, y) for y in b] for x in a]
    if len(b) <= 6:
        return max(
            sum(scores[i][j] for i, j in enumerate(perm))
            for perm in itertools.permutations(range(len(b)), len(a))
        )
    total, used = 0.0, set()
    for row in scores:
        j = max((j for j in range(len(b)) if j not in used), key=lambda j: row[j])
        used.add(j)
        total += row[j]
    return total


def _joined_keys(tokens: list[str]) -> set[str]:
    """Keys of the tokens written together, in the given and the reverse order
    (ZHANG WEI → ZHANGWEI, WEIZHANG)."""
    if len(tokens) < 2 or len(tokens) > 4:
        return set()
    return {token_key("".join(tokens)), token_key("".join(reversed(tokens)))}


def name_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Order-free similarity (0..1) of two token lists, e.g. family + given names of two
    records: the best one-to-one alignment, a token scoring 1.0 when the keys are equal
    and its Jaro–Winkler similarity otherwise. A missing extra token (a middle name)
    costs a little, spacing ("ZHANGWEI" / "ZHANG WEI") and order nothing."""
    ta, tb = _tokens(a), _tokens(b)
    if not ta or not tb:
        return 0.0
    if len(ta) != len(tb):
        if len(ta) > len(tb):
            ta, tb = tb, ta
        if len(ta) == 1 and token_key(ta[0]) in _joined_keys(tb):
            return 1.0
        tb = _merge_spacing(ta, tb)
    matched = _best_alignment(ta, tb)
    shorter, longer = min(len(ta), len(tb)), max(len(ta), len(tb))
    return matched / (shorter + 0.25 * (longer - shorter))


def _keys(tokens: Sequence[str]) -> list[str]:
    return [token_key(t) for t in tokens]


def _token_compatible(x: str, y: str) -> bool:
    """One given-name token against another: equal keys, or one is an initial of the
    other or of one of its variant spellings (I. fits YULIA: IULIIA)."""
    if len(x) == 1 or len(y) == 1:
        initial, name = (x, y) if len(x) == 1 else (y, x)
        return name[0] == initial or any(v[0] == initial for v in token_variants(name))
    return token_key(x) == token_key(y)


def _tokens_compatible(a: Sequence[str], b: Sequence[str]) -> bool:
    """Every token of the shorter list matches a distinct token of the longer one (a
    missing middle name, or an initial, is compatible); an empty side is unknown, so
    compatible. Tokens written together ("ABDUL RAHMAN" / "ABDULRAHMAN") also match."""
    if not a or not b:
        return True
    if len(a) > len(b):
        a, b = b, a
    if len(a) != len(b) and (
        "".join(_keys(a)) == "".join(_keys(b)) or token_key("".join(a)) == token_key("".join(b))
    ):
        return True
    used: set[int] = set()
    for x in a:
        for j, y in enumerate(b):
            if j not in used and _token_compatible(x, y):
                used.add(j)
                break
        else:
            return False
    return True


# Tokens that make a family name out of a name when written apart (ALI ZADE is Alizadə,
# not the family name ALI): a family name is not "part" of one extended by these.
_SURNAME_PARTICLES = frozenset(
    _skeleton(t) for t in ("ZADE", "ZADEH", "ZADA", "OGLU", "OGLY", "LI", "LU", "LY", "OV", "EV")
)


def _family_equal(a: Sequence[str], b: Sequence[str]) -> bool:
    """Family names: the same keys, or one a part of the other (double family names:
    GARCIA LOPEZ / GARCIA), or written together (ALI ZADE / ALIZADE)."""
    if not a or not b:
        return False
    ka, kb = _keys(a), _keys(b)
    if ka == kb:
        return True
    if len(ka) != len(kb) and (
        "".join(ka) == "".join(kb) or token_key("".join(a)) == token_key("".join(b))
    ):
        return True
    short, long_ = (ka, kb) if len(ka) < len(kb) else (kb, ka)
    if len(short) >= len(long_) or not all(k in long_ for k in short):
        return False
    return not any(k in _SURNAME_PARTICLES for k in long_ if k not in short)


def same_name(a: ParsedName, b: ParsedName) -> bool:
    """Do these look like one person's name as different systems wrote it? Family keys
    equal (or family and given swapped, or the whole name written as one), given names
    compatible (a subset, or an initial), patronymics compatible when both present."""
    if not a.tokens() or not b.tokens():
        return False
    if a.patronymic and b.patronymic and not _tokens_compatible(a.patronymic, b.patronymic):
        return False
    if _family_equal(a.family, b.family) and _tokens_compatible(a.given, b.given):
        return True
    # Swapped fields (Chinese order, a clerk's mistake).
    if _family_equal(a.family, b.given) and _family_equal(a.given, b.family):
        return True
    ja, jb = a.tokens(), b.tokens()
    if len(ja) == len(jb):
        # A single name (mononym) recorded in either field: the same words, any order.
        return (not a.family or not b.family) and sorted(_keys(ja)) == sorted(_keys(jb))
    # One side has everything in one field, or spacing differs (ZHANGWEI / ZHANG WEI).
    joined_a = _joined_keys(list(ja)) | {token_key("".join(ja))}
    return bool(joined_a & (_joined_keys(list(jb)) | {token_key("".join(jb))}))


__all__ = [
    "ParsedName",
    "detect_script",
    "name_similarity",
    "parse_name",
    "romanise",
    "same_name",
    "token_key",
    "token_variants",
]
