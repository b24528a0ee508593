"""The az and ru message catalogues are complete and compiled.

Every entry of each .po is translated and not fuzzy, keeps the msgid's parameter markers,
has as many plural forms as the header declares, and the .mo next to it holds exactly the
same translations (a .po edited or merged by makemessages without compilemessages fails).
So a string added to the code, extracted with makemessages and left untranslated fails
here. Parsing is stdlib only; both catalogues take a few milliseconds.
"""

from __future__ import annotations

import ast
import gettext
import re
import struct
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
# English is the source language: its strings are the msgids, it has no catalogue.
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]

# %(name)s, %s, %d, %r... (printf style) and {name} (str.format style); %% is a literal.
_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[sdifgeExXorcaub]")
_BRACE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_NPLURALS = re.compile(r"nplurals\s*=\s*(\d+)")


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    has_msgid: bool = False  # False: only comments (e.g. the flags of an obsolete entry)

    @property
    def key(self) -> str:
        """The key the compiled catalogue uses for this entry."""
        base = self.msgid if self.msgid_plural is None else f"{self.msgid}\0{self.msgid_plural}"
        return base if self.msgctxt is None else f"{self.msgctxt}\x04{base}"

    @property
    def value(self) -> str:
        return "\0".join(self.msgstr[i] for i in sorted(self.msgstr))


def parse_po(text: str) -> list[Entry]:
    """The entries of a .po file, header included (msgid ""); obsolete (#~) entries and
    previous-msgid (#|) comments are skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which field continuation lines extend

    def start(line_no: int) -> Entry:
        nonlocal current
        if current is None:
            current = Entry(line=line_no)
            entries.append(current)
        return current

    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        if line.startswith("#"):
            if line.startswith("#,"):
                start(line_no).flags.update(f.strip() for f in line[2:].split(","))
            continue
        keyword, _sep, rest = line.partition(" ")
        if line.startswith('"'):
            keyword, rest = "", line
        if keyword and not rest.startswith('"'):
            raise ValueError(f"line {line_no}: cannot read {raw!r}")
        value = ast.literal_eval(rest)
        if not isinstance(value, str):
            raise ValueError(f"line {line_no}: not a string: {raw!r}")
        entry = start(line_no)
        if keyword == "":
            if target is None:
                raise ValueError(f"line {line_no}: string outside an entry")
            name, index = target
        elif keyword.startswith("msgstr["):
            name, index = "msgstr", int(keyword[len("msgstr[") : -1])
        elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
            name, index = keyword, 0
        else:
            raise ValueError(f"line {line_no}: unknown keyword {keyword!r}")
        target = (name, index)
        entry.has_msgid = entry.has_msgid or name == "msgid"
        if name == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + value
        else:
            setattr(entry, name, (getattr(entry, name) or "") + value)
    return [e for e in entries if e.has_msgid]


def read_mo(data: bytes) -> dict[str, str]:
    """The compiled catalogue's key -> value pairs (GNU .mo, either byte order)."""
    for order in ("<", ">"):
        magic, _revision, count, originals, translations = struct.unpack(f"{order}5I", data[:20])
        if magic == 0x950412DE:
            break
    else:
        raise ValueError("not a GNU .mo file")

    def string(table: int, i: int) -> str:
        length, offset = struct.unpack(f"{order}2I", data[table + 8 * i : table + 8 * i + 8])
        return data[offset : offset + length].decode("utf-8")

    return {string(originals, i): string(translations, i) for i in range(count)}


def markers(text: str) -> Counter[str]:
    text = text.replace("%%", "")
    return Counter(_PRINTF.findall(text) + _BRACE.findall(text))


def nplurals(header: Entry) -> int:
    found = _NPLURALS.search(header.msgstr.get(0, ""))
    if found is None:
        raise ValueError("the header has no Plural-Forms")
    return int(found.group(1))


def problems(entries: list[Entry]) -> list[str]:
    """What keeps a catalogue from being complete: one line per defect, naming the .po line."""
    header, body = entries[0], entries[1:]
    if header.msgid != "":
        return ["the first entry is not the header"]
    forms = nplurals(header)
    found: list[str] = []
    for e in body:
        where = f"line {e.line} {e.msgid!r}"
        if "fuzzy" in e.flags:
            found.append(f"{where}: fuzzy")
        if e.msgid_plural is not None and sorted(e.msgstr) != list(range(forms)):
            found.append(f"{where}: {len(e.msgstr)} plural forms, the header says {forms}")
        if not e.msgstr or any(not s for s in e.msgstr.values()):
            found.append(f"{where}: untranslated")
            continue
        # Each form must use the markers of the msgid (singular form of a plural entry:
        # those of msgid_plural, as Russian's "one" form also serves 21, 31...), no others.
        want = markers(e.msgid if e.msgid_plural is None else e.msgid_plural)
        want |= markers(e.msgid)
        for i, text in sorted(e.msgstr.items()):
            if markers(text) != want:
                found.append(f"{where}: msgstr[{i}] has {dict(markers(text))}, wants {dict(want)}")
    return found


def _paths(language: str) -> tuple[Path, Path]:
    base = LOCALE_DIR / language / "LC_MESSAGES"
    return base / "django.po", base / "django.mo"


@pytest.fixture(scope="module", params=LANGUAGES)
def catalogue(request: pytest.FixtureRequest) -> tuple[str, list[Entry]]:
    po, _mo = _paths(request.param)
    return request.param, parse_po(po.read_text(encoding="utf-8"))


def test_every_language_but_english_has_a_catalogue() -> None:
    assert LANGUAGES == ["az", "ru"]
    for language in LANGUAGES:
        po, mo = _paths(language)
        assert po.is_file(), po
        assert mo.is_file(), mo


def test_catalogue_is_complete(catalogue: tuple[str, list[Entry]]) -> None:
    language, entries = catalogue
    assert len(entries) > 1000, "the catalogue was not read"
    header = entries[0].msgstr[0]
    assert f"Language: {language}\n" in header
    assert "charset=UTF-8" in header
    found = problems(entries)
    assert not found, f"{language}: " + "\n".join(found)


def test_no_duplicate_entries(catalogue: tuple[str, list[Entry]]) -> None:
    language, entries = catalogue
    twice = [k for k, n in Counter(e.key for e in entries).items() if n > 1]
    assert not twice, f"{language}: {twice}"


def test_mo_is_compiled_from_the_po(catalogue: tuple[str, list[Entry]]) -> None:
    language, entries = catalogue
    _po, mo = _paths(language)
    compiled = read_mo(mo.read_bytes())
    expected = {e.key: e.value for e in entries if "fuzzy" not in e.flags}
    # msgfmt leaves the POT-Creation-Date out of the compiled header.
    expected[""] = "".join(
        line for line in expected[""].splitlines(keepends=True) if not line.startswith("POT-")
    )
    stale = sorted(
        k for k in expected.keys() | compiled.keys() if compiled.get(k) != expected.get(k)
    )
    assert not stale, (
        f"{language}: django.mo differs from django.po for {len(stale)} entries, e.g. "
        f"{stale[:5]}; run `django-admin compilemessages` in src/umis"
    )


def test_django_serves_the_catalogue(catalogue: tuple[str, list[Entry]]) -> None:
    """End to end through Django's loader: our catalogue wins over Django's own."""
    language, entries = catalogue
    wrong = []
    with translation.override(language):
        for e in entries[1:]:
            if e.msgid_plural is not None:
                got = (
                    translation.npgettext(e.msgctxt, e.msgid, e.msgid_plural, 1)
                    if e.msgctxt
                    else translation.ngettext(e.msgid, e.msgid_plural, 1)
                )
            elif e.msgctxt is not None:
                got = translation.pgettext(e.msgctxt, e.msgid)
            else:
                got = translation.gettext(e.msgid)
            if got != e.msgstr[0]:
                wrong.append((e.msgid, got))
    assert not wrong, f"{language}: {wrong[:5]}"


# The checks themselves: each defect they exist for is found.

_SAMPLE = r"""# comment
msgid ""
msgstr ""
"Language: ru\n"
"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && "
"n%10<=4 && (n%100<12 || n%100>14) ? 1 : 2);\n"

#: a.py:1
msgid "Fine"
msgstr "Хорошо"

#, python-format
msgid "Case %(number)s"
msgstr "Дело %(number)s"

msgid "Untranslated"
msgstr ""

#, fuzzy
#| msgid "Old"
msgid "Fuzzy"
msgstr "Нечто"

#, python-format
msgid "Lost %(marker)s"
msgstr "Потерян"

#, python-format
msgid "Extra"
msgstr "Лишний %(x)s"

#, python-format
msgid "%(n)s day"
msgid_plural "%(n)s days"
msgstr[0] "%(n)s день"
msgstr[1] "%(n)s дня"

msgctxt "visa"
msgid "Long "
"text"
msgstr "Длинный "
"текст"

#~ msgid "Obsolete"
#~ msgstr ""
"""


def test_parser_reads_entries_contexts_and_continuations() -> None:
    entries = parse_po(_SAMPLE)
    assert [e.msgid for e in entries] == [
        "",
        "Fine",
        "Case %(number)s",
        "Untranslated",
        "Fuzzy",
        "Lost %(marker)s",
        "Extra",
        "%(n)s day",
        "Long text",
    ]
    assert nplurals(entries[0]) == 3
    assert entries[-1].msgctxt == "visa"
    assert entries[-1].msgstr == {0: "Длинный текст"}
    assert entries[-1].key == "visa\x04Long text"
    assert entries[7].key == "%(n)s day\0%(n)s days"
    assert entries[4].flags == {"fuzzy"}


def test_problems_names_each_defect() -> None:
    found = problems(parse_po(_SAMPLE))
    assert len(found) == 5, found
    assert "'Untranslated': untranslated" in found[0]
    assert "'Fuzzy': fuzzy" in found[1]
    assert "'Lost %(marker)s': msgstr[0]" in found[2]
    assert "'Extra': msgstr[0]" in found[3]
    assert "'%(n)s day': 2 plural forms, the header says 3" in found[4]


def test_markers() -> None:
    assert markers("%(a)s and %s, %d%% {name} {0} {}") == Counter(
        {"%(a)s": 1, "%s": 1, "%d": 1, "{name}": 1}
    )
    assert markers("100%% sure") == Counter()


def test_read_mo_agrees_with_the_stdlib_reader() -> None:
    """The repository's ru .mo, written by msgfmt, is read as the stdlib's gettext reads it."""
    _po, mo = _paths("ru")
    ours = read_mo(mo.read_bytes())
    with mo.open("rb") as f:
        stdlib = gettext.GNUTranslations(f)
    singular = [k for k in ours if k and "\0" not in k and "\x04" not in k]
    assert singular
    for key in singular[:50]:
        assert stdlib.gettext(key) == ours[key]
