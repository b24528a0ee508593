"""Printable PDFs of issued documents (umis.permits.pdf): pure, no database. The PDFs are
read back with pypdf: text (through the embedded fonts' Unicode maps), fonts and images."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pypdf
import pytest
from django.core.exceptions import ImproperlyConfigured
from PIL import Image

from umis.permits.pdf import PrintedPermit, render_permit_pdf
from umis.permits.signing import qr_png

MRZ = (
    "IRAZEAZ12345674<<<<<<<<<<<<<<<",
    "9005019F2701096TUR<<<<<<<<<<<4",
    "MAMMADOVA<<GULSAN<ILAHA<<<<<<<",
)
# Every Azerbaijani letter outside ASCII, in both cases, is in the name.
SURNAME = "Məmmədova-Ağayeva-Şıxıyeva"
GIVEN = "Gülşən İlahə Çiçək Ömür Ünal ƏĞŞÇÖÜ ğ"


def jpeg(size: tuple[int, int] = (70, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 150, 120)).save(buffer, "JPEG")
    return buffer.getvalue()


CARD = PrintedPermit(
    kind="residence_card",
    permit_kind="trp",
    number="AZ1234567",
    holder_surname=SURNAME,
    holder_given_names=GIVEN,
    nationality_code="TUR",
    nationality_name="Türkiyə",
    birth_date="1990-05",
    sex="F",
    valid_from=date(2026, 1, 10),
    valid_until=date(2027, 1, 9),
    issued_on=date(2026, 1, 10),
    authority="Dövlət Miqrasiya Xidməti",
    case_number="TRP-2026-000123",
    mrz_lines=MRZ,
    employer_name="",
    employer_tax_id="",
    position="",
    ground="Ailə birləşməsi",
    qr_data="https://umis.example.az/verify/U1.k1.eyJkIjoiQVoxMjM0NTY3In0.c2ln",
    photo_jpeg=None,
)
WORK_PERMIT = replace(
    CARD,
    kind="work_permit",
    permit_kind="work_permit",
    number="WP-2026-000042",
    mrz_lines=(),
    employer_name="“Bakı Tikinti” MMC",
    employer_tax_id="1234567891",
    position="Baş mühəndis",
    valid_until=None,
)


def read(pdf: bytes) -> pypdf.PdfReader:
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    return pypdf.PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in read(pdf).pages)


def fonts_of(pdf: bytes) -> set[str]:
    names = set()
    for page in read(pdf).pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font: Any = ref.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor  # the TrueType program is embedded
            names.add(str(font["/BaseFont"]).split("+", 1)[-1])
    return names


@pytest.mark.parametrize("language", ["az", "en"])
def test_card_pdf_has_number_names_mrz_and_fonts(language: str) -> None:
    pdf = render_permit_pdf(CARD, language=language)
    reader = read(pdf)
    assert len(reader.pages) == 1
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width) / 72 * 25.4), round(float(height) / 72 * 25.4)) == (210, 297)
    text = text_of(pdf)
    assert "AZ1234567" in text
    assert SURNAME in text and GIVEN in text  # Azerbaijani letters survive
    assert "Türkiyə (TUR)" in text
    assert "TRP-2026-000123" in text and "Ailə birləşməsi" in text
    assert "10.01.2026" in text and "09.01.2027" in text
    for line in MRZ:
        assert text.count(line) == 2  # on the card's back and in the page's MRZ block
    assert fonts_of(pdf) == {"DejaVuSansBook", "DejaVuSansBold", "DejaVuSansMonoBook"}
    title = {"en": "Temporary residence permit", "az": "Müvəqqəti yaşamaq üçün icazə"}
    assert reader.metadata is not None
    assert reader.metadata.title == f"{title[language]} AZ1234567"


def test_labels_follow_the_language() -> None:
    az = text_of(render_permit_pdf(CARD, language="az"))
    en = text_of(render_permit_pdf(CARD, language="en"))
    assert "Family name" in en and "Date of issue" in en
    assert "Soyad" in az and "Verilmə tarixi" in az  # from the project's az catalogue
    assert "Family name" not in az
    # Capitals as Azerbaijani writes them: i -> İ (str.upper() would give I).
    assert "DÖVLƏT MİQRASİYA XİDMƏTİ" in az
    assert "DÖVLƏT MIQRASIYA XIDMƏTI" in en


def test_qr_code_is_embedded_as_an_image_of_the_verification_url() -> None:
    pdf = render_permit_pdf(CARD, language="en")
    images = read(pdf).pages[0].images
    assert len(images) == 1  # the same QR image on the card and on the page, stored once
    expected = Image.open(io.BytesIO(qr_png(CARD.qr_data))).convert("1")
    assert images[0].image is not None
    embedded = images[0].image.convert("1")
    assert embedded.size == expected.size
    assert embedded.tobytes() == expected.tobytes()
    assert CARD.qr_data in text_of(pdf).replace("\n", "")


def test_photo_is_embedded_when_given() -> None:
    pdf = render_permit_pdf(replace(CARD, photo_jpeg=jpeg()), language="az")
    images = read(pdf).pages[0].images
    assert len(images) == 2
    assert (70, 90) in {image.image.size for image in images if image.image is not None}


def test_work_permit_has_employer_position_and_no_mrz() -> None:
    pdf = render_permit_pdf(WORK_PERMIT, language="en")
    text = text_of(pdf)
    assert "WP-2026-000042" in text
    assert "“Bakı Tikinti” MMC" in text and "1234567891" in text and "Baş mühəndis" in text
    assert "Work permit" in text
    assert "Indefinite" in text  # no end date
    assert "<<" not in text and "Machine-readable zone" not in text
    assert "DejaVuSansMonoBook" in fonts_of(pdf)  # the URL under the QR code


def test_same_input_same_bytes() -> None:
    assert render_permit_pdf(CARD, language="az") == render_permit_pdf(CARD, language="az")


def test_long_values_are_cut_on_the_card_and_complete_in_the_details() -> None:
    long = replace(
        CARD,
        holder_given_names="Ş" * 120,
        ground="Ailə birləşməsi " * 40,
    )
    pdf = render_permit_pdf(long, language="az")
    reader = read(pdf)
    card_lines = reader.pages[0].extract_text().splitlines()
    # On the card: shrunk, then cut with an ellipsis to stay inside the outline.
    assert any(line.startswith("ŞŞŞ") and line.endswith("…") for line in card_lines)
    text = text_of(pdf).replace("\n", "")
    assert "Ş" * 120 in text  # in full in the details
    squeezed = "".join(text.split())  # wrapped lines lose the spaces they broke at
    assert "".join(long.ground.split()) in squeezed
    assert len(reader.pages[-1].images) == 1  # the QR block moved on rather than overflow


@pytest.mark.parametrize("language", ["ru", "AZ", "", "az-latn"])
def test_unknown_language_is_refused(language: str) -> None:
    with pytest.raises(ValueError, match="language"):
        render_permit_pdf(CARD, language=language)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "passport"}, "kind"),
        ({"permit_kind": "visa"}, "permit_kind"),
        ({"number": " "}, "number"),
        ({"mrz_lines": ()}, "mrz_lines"),
        ({"mrz_lines": (MRZ[0], MRZ[1], "short")}, "mrz_lines"),
        ({"mrz_lines": (MRZ[0], MRZ[1], MRZ[2].lower())}, "mrz_lines"),
        ({"kind": "work_permit", "permit_kind": "work_permit"}, "mrz_lines"),
        ({"valid_until": date(2025, 1, 1)}, "valid_until"),
        ({"qr_data": ""}, "qr_data"),
        ({"photo_jpeg": b"not an image"}, "photo_jpeg"),
    ],
)
def test_bad_documents_are_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        render_permit_pdf(replace(CARD, **change), language="en")


def test_a_png_photo_is_refused() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "PNG")
    with pytest.raises(ValueError, match="photo_jpeg: the photo is PNG"):
        render_permit_pdf(replace(CARD, photo_jpeg=buffer.getvalue()), language="en")


def test_missing_fonts_fail_with_a_clear_error(settings: Any, tmp_path: Path) -> None:
    settings.NODE_MODULES = tmp_path
    with pytest.raises(ImproperlyConfigured, match=r"dejavu-fonts-ttf.*make install"):
        render_permit_pdf(CARD, language="en")
