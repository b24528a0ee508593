"""Printable PDFs of issued documents: an A4 page with the card (front and back at ID-1
size, 85.6 × 54 mm), the full details, the machine-readable zone and the QR code.

Pure: the caller gathers everything into a :class:`PrintedPermit` (translated texts such
as the legal ground included); this module only lays it out. Labels are translated with
gettext in the requested language. Text is set in DejaVu Sans and the MRZ in DejaVu Sans
Mono, embedded as subsets, so Azerbaijani letters (ə ğ ı İ ş ç ö ü) print on any
machine. The fonts come from the npm package ``dejavu-fonts-ttf`` (package.json), which
``make install`` puts under ``settings.NODE_MODULES``.

The decision letter of a decided case (:func:`render_decision_pdf`) is set with the same
fonts: the outcome, the refusal grounds with their legal references or what was granted.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from fpdf import FPDF
from fpdf.enums import WrapMode
from PIL import Image, UnidentifiedImageError

from umis.permits.signing import qr_png

__all__ = [
    "LANGUAGES",
    "DecisionGrant",
    "DecisionGround",
    "PrintedDecision",
    "PrintedPermit",
    "font_dir",
    "render_decision_pdf",
    "render_permit_pdf",
]

LANGUAGES: Final = ("az", "en")
KINDS: Final = ("residence_card", "work_permit")
PERMIT_KINDS: Final = ("trp", "prp", "work_permit", "stay_extension")
# permits.IssuedDocument.Kind: the printed documents a decision can list
DOCUMENT_KINDS: Final = ("residence_card", "work_permit", "decision")
OUTCOMES: Final = ("approved", "refused")
FONT_PACKAGE: Final = "dejavu-fonts-ttf"
_FONT_FILES: Final = {
    ("sans", ""): "DejaVuSans.ttf",
    ("sans", "B"): "DejaVuSans-Bold.ttf",
    ("mono", ""): "DejaVuSansMono.ttf",
}
_MRZ_LINE: Final = re.compile(r"[A-Z0-9<]{30}")  # ICAO 9303 TD1: three lines of 30

# fontTools logs every font subset it makes at INFO: a screenful per PDF in the logs.
logging.getLogger("fontTools").setLevel(logging.WARNING)

# Geometry in millimetres.
_PAGE_MARGIN: Final = 15.0
_CARD_W: Final = 85.6  # ISO/IEC 7810 ID-1
_CARD_H: Final = 53.98
_CARD_RADIUS: Final = 3.18
_CARD_GAP: Final = 8.8
_GREY: Final = (90, 90, 90)


@dataclass(frozen=True)
class PrintedPermit:
    """Everything printed on a document, as it is to be printed."""

    kind: str  # "residence_card" | "work_permit"
    # "trp" | "prp" | "work_permit" | "stay_extension" (a decision, on the work-permit
    # layout: no MRZ): selects the title and the employer rows
    permit_kind: str
    number: str
    holder_surname: str
    holder_given_names: str
    nationality_code: str  # ISO 3166-1 alpha-3 (XXA stateless)
    nationality_name: str  # in the document's language
    birth_date: str  # as printed; may be partial ("1990", "1990-05")
    sex: str
    valid_from: date
    valid_until: date | None  # None: no expiry (permanent residence)
    issued_on: date
    authority: str
    case_number: str
    mrz_lines: tuple[str, ...]  # three TD1 lines for cards, empty for work permits
    employer_name: str
    employer_tax_id: str
    position: str
    ground: str  # the legal ground, as text in the document's language
    qr_data: str  # the verification URL the QR code carries
    photo_jpeg: bytes | None


def font_dir() -> Path:
    """The folder of the DejaVu TTF files; ``ImproperlyConfigured`` naming the missing
    file and the fix if the npm package is not installed."""
    default = Path(settings.BASE_DIR).parent.parent / "node_modules"
    directory = Path(getattr(settings, "NODE_MODULES", default)) / FONT_PACKAGE / "ttf"
    for name in _FONT_FILES.values():
        if not (directory / name).is_file():
            raise ImproperlyConfigured(
                f"the PDF font {directory / name} is missing: install the npm package "
                f"{FONT_PACKAGE!r} with `make install` (npm ci), or point UMIS_NODE_MODULES "
                "at the node_modules folder that has it"
            )
    return directory


def _title(permit_kind: str) -> str:
    return {
        "trp": _("Temporary residence permit"),
        "prp": _("Permanent residence permit"),
        "work_permit": _("Work permit"),
        "stay_extension": _("Extension of temporary stay"),
    }[permit_kind]


def _date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value is not None else _("Indefinite")


def _upper(text: str, language: str) -> str:
    """Upper case as the language writes it: Azerbaijani (like Turkish) has dotted İ for
    i and dotless I for ı, where str.upper() would turn both into I."""
    if language == "az":
        text = text.replace("i", "İ")
    return text.upper()


def _a4(language: str, *, created_on: date, title: str, author: str) -> FPDF:
    """An A4 page with the embedded fonts and the document's metadata."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    fonts = font_dir()
    for (family, style), name in _FONT_FILES.items():
        pdf.add_font(family, style, fonts / name)
    pdf.set_margins(_PAGE_MARGIN, _PAGE_MARGIN, _PAGE_MARGIN)
    pdf.set_auto_page_break(auto=True, margin=_PAGE_MARGIN)
    # The same document prints to the same bytes: no "now" inside.
    pdf.set_creation_date(datetime(created_on.year, created_on.month, created_on.day, tzinfo=UTC))
    pdf.set_lang(language)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("UMIS")
    pdf.add_page()
    return pdf


def _validate(doc: PrintedPermit) -> None:
    """Refuse a document that cannot be printed correctly, naming the field."""
    if doc.kind not in KINDS:
        raise ValueError(f"kind: {doc.kind!r} is not one of {', '.join(KINDS)}")
    if doc.permit_kind not in PERMIT_KINDS:
        raise ValueError(f"permit_kind: {doc.permit_kind!r} is not one of {PERMIT_KINDS}")
    if not doc.number.strip():
        raise ValueError("number: the document number is empty")
    if doc.kind == "residence_card":
        if len(doc.mrz_lines) != 3 or not all(_MRZ_LINE.fullmatch(x) for x in doc.mrz_lines):
            raise ValueError(
                "mrz_lines: a residence card has three MRZ lines of 30 characters A-Z, 0-9, <"
            )
    elif doc.mrz_lines:
        raise ValueError("mrz_lines: a work permit has no machine-readable zone")
    if doc.valid_until is not None and doc.valid_until < doc.valid_from:
        raise ValueError("valid_until: the document ends before it starts (valid_from)")
    if not doc.qr_data:
        raise ValueError("qr_data: the QR code has no content")
    if doc.photo_jpeg is not None:
        try:
            with Image.open(io.BytesIO(doc.photo_jpeg)) as photo:
                if photo.format != "JPEG":
                    raise ValueError(f"photo_jpeg: the photo is {photo.format}, not JPEG")
        except (UnidentifiedImageError, OSError) as exc:
            raise ValueError("photo_jpeg: the photo is not a readable JPEG image") from exc


class _Page:
    """An FPDF document with the helpers the layout needs."""

    def __init__(self, doc: PrintedPermit, language: str) -> None:
        self.doc = doc
        self.language = language
        self.pdf = _a4(
            language,
            created_on=doc.issued_on,
            title=f"{_title(doc.permit_kind)} {doc.number}",
            author=doc.authority,
        )
        self.qr = io.BytesIO(qr_png(doc.qr_data))

    # -- text helpers -------------------------------------------------------------------

    def fit(
        self,
        text: str,
        x: float,
        y: float,
        width: float,
        size: float,
        *,
        style: str = "",
        family: str = "sans",
        min_size: float = 4.0,
    ) -> None:
        """Write ``text`` on one line at baseline ``y`` within ``width``: shrink the font
        down to ``min_size``, then cut with an ellipsis."""
        pdf = self.pdf
        pdf.set_font(family, style, size)
        while pdf.get_string_width(text) > width and size > min_size:
            size = max(min_size, size - 0.5)
            pdf.set_font(family, style, size)
        if pdf.get_string_width(text) > width:
            while text and pdf.get_string_width(text + "…") > width:
                text = text[:-1]
            text += "…"
        pdf.text(x, y, text)

    def field(self, label: str, value: str, x: float, y: float, width: float) -> None:
        """A small grey label above its value, as on the card."""
        self.pdf.set_text_color(*_GREY)
        self.fit(label, x, y, width, 4.5)
        self.pdf.set_text_color(0, 0, 0)
        self.fit(value or "—", x, y + 2.9, width, 7, style="B")

    # -- the card -----------------------------------------------------------------------

    def card_outline(self, x: float, y: float, caption: str) -> None:
        pdf = self.pdf
        pdf.set_text_color(*_GREY)
        self.fit(caption, x, y - 1.5, _CARD_W, 8)
        pdf.set_text_color(0, 0, 0)
        pdf.set_line_width(0.3)
        pdf.rect(x, y, _CARD_W, _CARD_H, style="D", round_corners=True, corner_radius=_CARD_RADIUS)

    def card_front(self, x: float, y: float) -> None:
        doc, pdf = self.doc, self.pdf
        self.card_outline(x, y, _("Front"))
        self.fit(_upper(doc.authority, self.language), x + 3, y + 4.5, _CARD_W - 6, 5.5, style="B")
        self.fit(
            _upper(_title(doc.permit_kind), self.language),
            x + 3,
            y + 8.5,
            _CARD_W - 6,
            7,
            style="B",
        )
        photo_x, photo_y, photo_w, photo_h = x + 3, y + 12, 22.0, 28.3
        if doc.photo_jpeg is not None:
            pdf.image(
                io.BytesIO(doc.photo_jpeg),
                photo_x,
                photo_y,
                photo_w,
                photo_h,
                keep_aspect_ratio=True,
                alt_text=_("Photo"),
            )
        else:
            pdf.set_draw_color(*_GREY)
            pdf.rect(photo_x, photo_y, photo_w, photo_h)
            pdf.set_draw_color(0, 0, 0)
            pdf.set_text_color(*_GREY)
            pdf.set_font("sans", "", 6)
            pdf.set_xy(photo_x, photo_y + photo_h / 2 - 2)
            pdf.cell(photo_w, 4, _("Photo"), align="C")
            pdf.set_text_color(0, 0, 0)
        left, width = x + 28, _CARD_W - 31
        half = width / 2 - 1
        self.field(_("Family name"), doc.holder_surname, left, y + 13.5, width)
        self.field(_("Given names"), doc.holder_given_names, left, y + 20, width)
        self.field(_("Nationality"), doc.nationality_code, left, y + 26.5, half)
        self.field(_("Sex"), doc.sex, left + half + 2, y + 26.5, half)
        self.field(_("Birth date"), doc.birth_date, left, y + 33, half)
        self.field(_("Date of issue"), _date(doc.issued_on), left + half + 2, y + 33, half)
        self.field(_("Valid from"), _date(doc.valid_from), left, y + 39.5, half)
        self.field(_("Valid until"), _date(doc.valid_until), left + half + 2, y + 39.5, half)
        self.field(_("Document number"), doc.number, left, y + 46, width)

    def card_back(self, x: float, y: float) -> None:
        doc, pdf = self.doc, self.pdf
        self.card_outline(x, y, _("Back"))
        qr_size = 26.0 if doc.mrz_lines else 32.0
        pdf.image(
            self.qr, x + _CARD_W - qr_size - 2, y + 2, qr_size, qr_size, alt_text=_("QR code")
        )
        width = _CARD_W - qr_size - 7
        rows: list[tuple[str, str]]
        if doc.permit_kind == "work_permit":
            rows = [
                (_("Employer"), doc.employer_name),
                (_("Employer tax number"), doc.employer_tax_id),
                (_("Position"), doc.position),
                (_("Case number"), doc.case_number),
            ]
        else:
            rows = [
                (_("Issuing authority"), doc.authority),
                (_("Ground for the permit"), doc.ground),
                (_("Case number"), doc.case_number),
            ]
        for i, (label, value) in enumerate(rows):
            self.field(label, value, x + 3, y + 5.5 + i * 6.5, width)
        if doc.mrz_lines:
            self.mrz(doc.mrz_lines, x + 3.5, y + 38.5, _CARD_W - 7, line_height=5.2)

    def mrz(
        self, lines: Sequence[str], x: float, y: float, width: float, *, line_height: float
    ) -> None:
        """The MRZ lines in the monospace font, sized so that 30 characters fill
        ``width``."""
        pdf = self.pdf
        pdf.set_font("mono", "", 10)
        size = 10 * width / pdf.get_string_width("<" * 30)
        pdf.set_font("mono", "", size)
        for i, line in enumerate(lines):
            pdf.text(x, y + i * line_height, line)

    # -- the page -----------------------------------------------------------------------

    def header(self) -> None:
        doc, pdf = self.doc, self.pdf
        width = pdf.w - 2 * _PAGE_MARGIN
        self.fit(doc.authority, _PAGE_MARGIN, 20, width, 11, style="B")
        self.fit(
            f"{_title(doc.permit_kind)} № {doc.number}", _PAGE_MARGIN, 28, width, 16, style="B"
        )

    def details(self, y: float) -> float:
        doc, pdf = self.doc, self.pdf
        nationality = doc.nationality_code
        if doc.nationality_name:
            nationality = f"{doc.nationality_name} ({doc.nationality_code})"
        rows = [
            (_("Document"), _title(doc.permit_kind)),
            (_("Document number"), doc.number),
            (_("Family name"), doc.holder_surname),
            (_("Given names"), doc.holder_given_names),
            (_("Nationality"), nationality),
            (_("Birth date"), doc.birth_date),
            (_("Sex"), doc.sex),
            (_("Valid from"), _date(doc.valid_from)),
            (_("Valid until"), _date(doc.valid_until)),
            (_("Date of issue"), _date(doc.issued_on)),
            (_("Issuing authority"), doc.authority),
            (_("Case number"), doc.case_number),
            (_("Ground for the permit"), doc.ground),
        ]
        if doc.permit_kind == "work_permit":
            rows += [
                (_("Employer"), doc.employer_name),
                (_("Employer tax number"), doc.employer_tax_id),
                (_("Position"), doc.position),
            ]
        pdf.set_xy(_PAGE_MARGIN, y)
        pdf.set_font("sans", "B", 12)
        pdf.cell(text=_("Details"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
        label_w = 55.0
        value_w = pdf.w - 2 * _PAGE_MARGIN - label_w
        for label, value in rows:
            if not value:
                continue
            pdf.set_x(_PAGE_MARGIN)
            pdf.set_font("sans", "", 9)
            pdf.set_text_color(*_GREY)
            pdf.cell(label_w, 5.5, label)
            pdf.set_text_color(0, 0, 0)
            pdf.set_font("sans", "", 10)
            pdf.multi_cell(value_w, 5.5, value, align="L", new_x="LMARGIN", new_y="NEXT")
        return pdf.get_y()

    def machine_readable_zone(self, y: float) -> float:
        pdf = self.pdf
        pdf.set_xy(_PAGE_MARGIN, y)
        pdf.set_font("sans", "B", 12)
        pdf.cell(text=_("Machine-readable zone"), new_x="LMARGIN", new_y="NEXT")
        self.mrz(self.doc.mrz_lines, _PAGE_MARGIN, y + 12, 100, line_height=6)
        return y + 12 + 3 * 6

    def verification(self, y: float) -> None:
        pdf = self.pdf
        size = 40.0
        if y + size > pdf.h - _PAGE_MARGIN:
            pdf.add_page()
            y = _PAGE_MARGIN
        pdf.image(self.qr, _PAGE_MARGIN, y, size, size, alt_text=_("QR code"))
        text_x = _PAGE_MARGIN + size + 6
        text_w = pdf.w - _PAGE_MARGIN - text_x
        pdf.set_xy(text_x, y + 2)
        pdf.set_font("sans", "B", 11)
        pdf.multi_cell(text_w, 5.5, _("Check this document"), align="L", new_x="LEFT", new_y="NEXT")
        pdf.set_font("sans", "", 9.5)
        pdf.multi_cell(
            text_w,
            5,
            _(
                "Scan the QR code, or open the address below, to see whether this document "
                "is valid. The code is signed: an altered code does not verify."
            ),
            align="L",
            new_x="LEFT",
            new_y="NEXT",
        )
        pdf.set_xy(text_x, pdf.get_y() + 1)
        pdf.set_font("mono", "", 8)
        pdf.multi_cell(
            text_w,
            4,
            self.doc.qr_data,
            align="L",
            wrapmode=WrapMode.CHAR,
            new_x="LEFT",
            new_y="NEXT",
        )

    def render(self) -> bytes:
        self.header()
        top = 40.0
        self.card_front(_PAGE_MARGIN, top)
        self.card_back(_PAGE_MARGIN + _CARD_W + _CARD_GAP, top)
        y = self.details(top + _CARD_H + 10)
        if self.doc.mrz_lines:
            y = self.machine_readable_zone(y + 5)
        self.verification(y + 8)
        return bytes(self.pdf.output())


def render_permit_pdf(doc: PrintedPermit, *, language: str) -> bytes:
    """The printable PDF of ``doc`` with labels in ``language`` ("az" or "en"). Raises
    ``ValueError`` naming the field for an unknown language or a document that cannot be
    printed, ``ImproperlyConfigured`` if the fonts are not installed."""
    if language not in LANGUAGES:
        raise ValueError(f"language: {language!r} is not one of {', '.join(LANGUAGES)}")
    _validate(doc)
    with translation.override(language):
        return _Page(doc, language).render()


# --- the decision letter -------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionGround:
    """A refusal ground as printed: its text in the letter's language and the law."""

    text: str
    legal_ref: str


@dataclass(frozen=True)
class DecisionGrant:
    """What an approval granted: the permit (``document=False``, ``kind`` one of
    PERMIT_KINDS) or a document issued for it (``document=True``, one of DOCUMENT_KINDS)."""

    kind: str
    number: str
    valid_from: date | None
    valid_until: date | None  # a permit without one has no end (permanent residence)
    document: bool = False


@dataclass(frozen=True)
class PrintedDecision:
    """The decision letter of a decided case, as it is to be printed. Texts that come
    from the pack or the registry (service name, ground texts, office) are already in
    the letter's language; only the labels and sentences are translated here."""

    authority: str
    office: str  # the deciding office's name
    place: str  # where the decision was taken (the office's town)
    decided_on: date
    case_number: str
    service_name: str
    family_name: str
    given_names: str
    birth_date: str  # as recorded; may be partial ("1990", "1990-05")
    passport_number: str  # "" when the application did not give one
    outcome: str  # "approved" | "refused"
    grounds: tuple[DecisionGround, ...]  # a refusal's grounds, in the decision's order
    granted: tuple[DecisionGrant, ...]  # an approval's permit and documents, once issued
    fee_due: bool  # approved, not issued yet, and a fee still to be paid
    legal_basis: str  # the service's legal basis, from the pack


def _validate_decision(doc: PrintedDecision) -> None:
    """Refuse a letter that would state something wrong, naming the field."""
    if doc.outcome not in OUTCOMES:
        raise ValueError(f"outcome: {doc.outcome!r} is not one of {', '.join(OUTCOMES)}")
    if not doc.case_number.strip():
        raise ValueError("case_number: the case number is empty")
    if doc.outcome == "refused":
        if not doc.grounds:
            raise ValueError("grounds: a refusal states at least one ground")
        if doc.granted:
            raise ValueError("granted: a refusal grants nothing")
    elif doc.grounds:
        raise ValueError("grounds: an approval has no refusal grounds")
    for i, grant in enumerate(doc.granted):
        kinds = DOCUMENT_KINDS if grant.document else PERMIT_KINDS
        if grant.kind not in kinds:
            raise ValueError(f"granted.{i}.kind: {grant.kind!r} is not one of {', '.join(kinds)}")
        if not grant.number.strip():
            raise ValueError(f"granted.{i}.number: the number is empty")


def _document_title(kind: str) -> str:
    return {
        "residence_card": _("Residence permit card"),
        "work_permit": _("Work permit"),
        "decision": _("Decision letter"),
    }[kind]


def _grant_line(grant: DecisionGrant) -> tuple[str, str]:
    """The label and the text of one granted item."""
    if grant.document:
        text = f"{_document_title(grant.kind)} № {grant.number}"
        if grant.valid_until is not None:
            text += ", " + _("valid until %(date)s") % {"date": _date(grant.valid_until)}
        return _("Document issued"), text
    text = f"{_title(grant.kind)} № {grant.number}"
    if grant.valid_from is not None and grant.valid_until is not None:
        text += ", " + _("valid from %(start)s until %(end)s") % {
            "start": _date(grant.valid_from),
            "end": _date(grant.valid_until),
        }
    elif grant.valid_from is not None:
        text += ", " + _("valid from %(start)s, without an end date") % {
            "start": _date(grant.valid_from)
        }
    return pgettext("decision letter", "Granted"), text


class _Letter:
    """The decision letter: a letterhead, the facts of the case, the decision and its
    reasons, the right of appeal, the legal basis. Text flows and breaks onto a second
    page when a refusal has many grounds."""

    _LABEL_W: Final = 55.0

    def __init__(self, doc: PrintedDecision, language: str) -> None:
        self.doc = doc
        self.title = _("Decision on the application") + f" № {doc.case_number}"
        self.pdf = _a4(language, created_on=doc.decided_on, title=self.title, author=doc.authority)
        self.width = self.pdf.w - 2 * _PAGE_MARGIN

    def heading(self, text: str) -> None:
        pdf = self.pdf
        pdf.ln(4)
        pdf.set_x(_PAGE_MARGIN)
        pdf.set_font("sans", "B", 12)
        pdf.multi_cell(self.width, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def rows(self, rows: Sequence[tuple[str, str]]) -> None:
        """Label and value side by side; a long value wraps within its column."""
        pdf = self.pdf
        for label, value in rows:
            if not value:
                continue
            pdf.set_x(_PAGE_MARGIN)
            pdf.set_font("sans", "", 9)
            pdf.set_text_color(*_GREY)
            pdf.cell(self._LABEL_W, 5.5, label)
            pdf.set_text_color(0, 0, 0)
            pdf.set_font("sans", "", 10)
            pdf.multi_cell(
                self.width - self._LABEL_W, 5.5, value, align="L", new_x="LMARGIN", new_y="NEXT"
            )

    def paragraph(self, text: str, *, style: str = "", size: float = 10, indent: float = 0) -> None:
        pdf = self.pdf
        pdf.set_x(_PAGE_MARGIN + indent)
        pdf.set_font("sans", style, size)
        pdf.multi_cell(self.width - indent, 5.5, text, align="L", new_x="LMARGIN", new_y="NEXT")

    def letterhead(self) -> None:
        doc, pdf = self.doc, self.pdf
        pdf.set_xy(_PAGE_MARGIN, 18)
        self.paragraph(doc.authority, style="B", size=11)
        if doc.office:
            self.paragraph(doc.office)
        pdf.set_draw_color(*_GREY)
        pdf.line(_PAGE_MARGIN, pdf.get_y() + 2, pdf.w - _PAGE_MARGIN, pdf.get_y() + 2)
        pdf.set_draw_color(0, 0, 0)
        pdf.ln(8)
        self.paragraph(self.title, style="B", size=15)
        pdf.ln(3)
        self.rows(
            [
                (_("Place of the decision"), doc.place),
                (_("Date of the decision"), _date(doc.decided_on)),
                (_("Case number"), doc.case_number),
                (_("Service"), doc.service_name),
            ]
        )

    def applicant(self) -> None:
        doc = self.doc
        self.heading(_("Applicant"))
        self.rows(
            [
                (_("Family name"), doc.family_name),
                (_("Given names"), doc.given_names),
                (_("Birth date"), doc.birth_date),
                (_("Passport number"), doc.passport_number),
            ]
        )

    def decision(self) -> None:
        doc, pdf = self.doc, self.pdf
        self.heading(_("Decision"))
        if doc.outcome == "refused":
            self.paragraph(_("The application is refused on the following grounds:"), style="B")
            for i, ground in enumerate(doc.grounds, start=1):
                pdf.ln(1.5)
                self.paragraph(f"{i}. {ground.text}", indent=4)
                if ground.legal_ref:
                    pdf.set_text_color(*_GREY)
                    label = _("Legal reference")
                    self.paragraph(f"{label}: {ground.legal_ref}", size=9, indent=8)
                    pdf.set_text_color(0, 0, 0)
            self.heading(_("Right of appeal"))
            self.paragraph(
                _(
                    "You may appeal this decision to the State Migration Service or to a "
                    "court within the time the law allows."
                )
            )
            return
        self.paragraph(_("The application is approved."), style="B")
        pdf.ln(1.5)
        if doc.granted:
            self.rows([_grant_line(grant) for grant in doc.granted])
        elif doc.fee_due:
            self.paragraph(_("The document will be issued after the fee is paid."))
        else:
            self.paragraph(
                _("The document will be issued at the office; you will be told when it is ready.")
            )

    def render(self) -> bytes:
        self.letterhead()
        self.applicant()
        self.decision()
        if self.doc.legal_basis:
            self.heading(_("Legal basis"))
            self.paragraph(self.doc.legal_basis)
        return bytes(self.pdf.output())


def render_decision_pdf(doc: PrintedDecision, *, language: str) -> bytes:
    """The decision letter ``doc`` as a PDF with labels in ``language`` ("az" or "en").
    Raises ``ValueError`` naming the field for an unknown language or a letter that
    contradicts itself (a refusal without grounds, an approval with grounds),
    ``ImproperlyConfigured`` if the fonts are not installed."""
    if language not in LANGUAGES:
        raise ValueError(f"language: {language!r} is not one of {', '.join(LANGUAGES)}")
    _validate_decision(doc)
    with translation.override(language):
        return _Letter(doc, language).render()
