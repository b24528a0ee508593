"""The persons API over HTTP: success paths, problem+json errors, no partial writes."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from umis.core.models import AuditEntry
from umis.registry.models import IdentityDocument, Nationality, Person, PersonName
from umis.registry.mrz import build_td3

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(officer, token_client):
    return token_client(officer)


def _create(api, payload: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/api/v1/persons", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def _problem(response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["code"] and body["detail"]
    return body


def test_create_read_update_person(api, person_payload) -> None:
    created = _create(api, person_payload)
    assert len(created["personal_number"]) == 7
    assert created["phone"] == "+994501234567"
    assert created["names"][0]["family_name"] == "Гусейнов"
    assert created["version"] == 1
    pid = created["id"]
    read = api.get(f"/api/v1/persons/{pid}", HTTP_X_UMIS_PURPOSE="case TRP-2026-000001")
    assert read.status_code == 200 and read.json()["family_name"] == "Hüseynov"
    assert AuditEntry.objects.filter(
        action="view", person_id=pid, purpose="case TRP-2026-000001"
    ).exists()
    patched = api.patch(
        f"/api/v1/persons/{pid}",
        {"version": 1, "phone": "+994 55 765 43 21"},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2
    change = AuditEntry.objects.filter(action="update", person_id=pid).latest("id")
    assert change.changes == {"phone": ["+994501234567", "+994557654321"]}


def test_stale_version_gets_409_and_changes_nothing(api, person_payload) -> None:
    pid = _create(api, person_payload)["id"]
    assert (
        api.patch(
            f"/api/v1/persons/{pid}",
            {"version": 1, "email": "a@b.az"},
            content_type="application/json",
        ).status_code
        == 200
    )
    body = _problem(
        api.patch(
            f"/api/v1/persons/{pid}",
            {"version": 1, "email": "c@d.az"},
            content_type="application/json",
        ),
        409,
    )
    assert body["current_version"] == 2
    assert Person.objects.get(pk=pid).email == "a@b.az"


def test_unknown_country_is_422_naming_the_field_and_nothing_is_written(
    api, person_payload
) -> None:
    person_payload["nationalities"] = [{"country": "RUS"}, {"country": "QQQ"}]
    body = _problem(
        api.post("/api/v1/persons", person_payload, content_type="application/json"), 422
    )
    assert [e["field"] for e in body["errors"]] == ["nationalities.1.country"]
    assert not Person.objects.exists() and not Nationality.objects.exists()
    assert not PersonName.objects.exists()


def test_schema_errors_are_problem_json_with_field_paths(api, person_payload) -> None:
    person_payload["birth_date"] = "17.03.1984"
    del person_payload["sex"]
    body = _problem(
        api.post("/api/v1/persons", person_payload, content_type="application/json"), 422
    )
    assert {e["field"] for e in body["errors"]} == {"birth_date", "sex"}


def test_impossible_partial_date_and_bad_phone(api, person_payload) -> None:
    person_payload["birth_date"] = "1984-02-30"
    person_payload["phone"] = "12"
    body = _problem(
        api.post("/api/v1/persons", person_payload, content_type="application/json"), 422
    )
    assert {e["field"] for e in body["errors"]} == {"birth_date", "phone"}


def test_partial_birth_dates_round_trip(api, person_payload) -> None:
    person_payload["birth_date"] = "1984-03"
    assert _create(api, person_payload)["birth_date"] == "1984-03"


def test_list_filters_and_pagination(api, person_payload) -> None:
    _create(api, person_payload)
    other = dict(
        person_payload,
        family_name="Qasımov",
        birth_date="1990",
        nationalities=[{"country": "GEO"}],
        names=[],
    )
    _create(api, other)
    assert api.get("/api/v1/persons?name=huseyn").json()["count"] == 1
    assert api.get("/api/v1/persons?name=QASIMOV").json()["count"] == 1
    assert api.get("/api/v1/persons?nationality=GEO").json()["count"] == 1
    assert api.get("/api/v1/persons?birth_date=1990-05").json()["count"] == 1
    page = api.get("/api/v1/persons?page_size=1&page=2").json()
    assert page["count"] == 2 and len(page["items"]) == 1
    _problem(api.get("/api/v1/persons?birth_date=1990-13"), 422)


def test_list_query_count_does_not_grow_with_rows(api, person_payload) -> None:
    for i in range(3):
        _create(api, dict(person_payload, family_name=f"Aliyev{i}", names=[]))
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/persons?page_size=1")
    for i in range(10):
        _create(api, dict(person_payload, family_name=f"Mammadov{i}", names=[]))
    with CaptureQueriesContext(connection) as many:
        api.get("/api/v1/persons?page_size=50")
    assert len(many) == len(few)


def _td3(number: str = "C01X00T47", state: str = "RUS") -> str:
    import datetime as dt

    return "\n".join(
        build_td3(
            document_code="P",
            issuing_state=state,
            surname="GUSEINOV",
            given_names="ELCHIN",
            document_number=number,
            nationality=state,
            birth_date=dt.date(1984, 3, 17),
            sex="M",
            expiry_date=dt.date(2031, 5, 1),
        )
    )


def test_document_from_mrz_is_prefilled_and_duplicates_conflict(api, person_payload) -> None:
    pid = _create(api, person_payload)["id"]
    response = api.post(
        f"/api/v1/persons/{pid}/documents", {"mrz": _td3()}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    doc = response.json()
    assert (doc["document_type"], doc["number"], doc["issuing_state"]) == (
        "passport",
        "C01X00T47",
        "RUS",
    )
    assert doc["expiry_date"] == "2031-05-01"
    again = api.post(
        f"/api/v1/persons/{pid}/documents",
        {"document_type": "passport", "number": "c01x00t47", "issuing_state": "RUS"},
        content_type="application/json",
    )
    _problem(again, 409)
    assert IdentityDocument.objects.count() == 1
    listed = api.get(f"/api/v1/persons/{pid}/documents").json()
    assert [d["number"] for d in listed] == ["C01X00T47"]


def test_invalid_mrz_check_digit_is_422_naming_the_check(api, person_payload) -> None:
    pid = _create(api, person_payload)["id"]
    lines = _td3().split("\n")
    broken = lines[1][:9] + str((int(lines[1][9]) + 1) % 10) + lines[1][10:]
    body = _problem(
        api.post(
            f"/api/v1/persons/{pid}/documents",
            {"mrz": lines[0] + "\n" + broken},
            content_type="application/json",
        ),
        422,
    )
    assert body["errors"][0]["field"] == "mrz.document_number_check_digit"
    assert not IdentityDocument.objects.exists()


def test_flag_document(api, person_payload) -> None:
    pid = _create(api, person_payload)["id"]
    doc = api.post(
        f"/api/v1/persons/{pid}/documents", {"mrz": _td3()}, content_type="application/json"
    ).json()
    _problem(
        api.post(
            f"/api/v1/documents/{doc['id']}/flag",
            {"status": "stolen"},
            content_type="application/json",
        ),
        422,
    )
    flagged = api.post(
        f"/api/v1/documents/{doc['id']}/flag",
        {"status": "stolen", "reason": "Reported to police 2026-11-01"},
        content_type="application/json",
    )
    assert flagged.status_code == 200 and flagged.json()["status"] == "stolen"


def _image(fmt: str, size: tuple[int, int] = (300, 400)) -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", size, (120, 80, 60)).save(buf, fmt)
    buf.seek(0)
    buf.name = f"p.{fmt.lower()}"
    return buf


def test_photo_upload_checks_content_and_size(api, person_payload, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    pid = _create(api, person_payload)["id"]
    ok = api.post(f"/api/v1/persons/{pid}/photo", {"photo": _image("JPEG")})
    assert ok.status_code == 201 and ok.json()["content_type"] == "image/jpeg"
    fake = io.BytesIO(b"%PDF-1.4 not an image" * 10)
    fake.name = "photo.jpg"
    _problem(api.post(f"/api/v1/persons/{pid}/photo", {"photo": fake}), 422)
    settings.UMIS_PHOTO_MAX_BYTES = 1000
    _problem(api.post(f"/api/v1/persons/{pid}/photo", {"photo": _image("PNG")}), 413)
    assert len(list(tmp_path.rglob("*.*"))) == 1


def test_address_history_and_person_history(api, person_payload) -> None:
    from umis.core.models import City

    city = City.objects.select_related("region").first()
    pid = _create(api, person_payload)["id"]
    for street in ("Nizami küç. 1", "Füzuli küç. 7"):
        r = api.post(
            f"/api/v1/persons/{pid}/addresses",
            {"region": city.region.code, "city": city.code, "street": street},
            content_type="application/json",
        )
        assert r.status_code == 201, r.content
    person = api.get(f"/api/v1/persons/{pid}").json()
    assert [a["is_current"] for a in person["addresses"]] == [True, False]
    history = api.get(f"/api/v1/persons/{pid}/history").json()
    assert any(h["object_type"] == "registry.address" and h["action"] == "update" for h in history)


def test_no_delete_endpoint_exists(api, person_payload) -> None:
    pid = _create(api, person_payload)["id"]
    assert api.delete(f"/api/v1/persons/{pid}").status_code == 405
    assert Person.objects.filter(pk=pid).exists()


def test_unauthenticated_is_401_problem(client) -> None:
    response = client.get("/api/v1/persons")
    _problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_responses_are_not_cacheable(api) -> None:
    response = api.get("/api/v1/persons")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_openapi_is_3_1_and_declares_problem_json(client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    op = schema["paths"]["/api/v1/persons"]["post"]
    assert "application/problem+json" in op["responses"]["422"]["content"]
    assert client.get("/api/v1/docs").status_code == 200


def test_german_mrz_code_d_is_stored_as_deu(api, person_payload) -> None:
    import datetime as dt

    pid = _create(api, person_payload)["id"]
    mrz = "\n".join(
        build_td3(
            document_code="P",
            issuing_state="D",
            surname="MUELLER",
            given_names="JUERGEN",
            document_number="C4J0R2X1L",
            nationality="D",
            birth_date=dt.date(1970, 1, 2),
            sex="M",
            expiry_date=dt.date(2030, 1, 1),
        )
    )
    parsed = api.post("/api/v1/mrz/parse", {"mrz": mrz}, content_type="application/json")
    assert parsed.json()["issuing_state"] == "DEU" and parsed.json()["nationality"] == "DEU"
    doc = api.post(
        f"/api/v1/persons/{pid}/documents",
        {"mrz": mrz, "issuing_state": "DEU", "document_type": "passport"},
        content_type="application/json",
    )
    assert doc.status_code == 201, doc.content
    assert doc.json()["issuing_state"] == "DEU"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "az",
            "'QQQ' məlum ISO 3166-1 alpha-3 ölkə kodu deyil "
            "(vətəndaşlığı olmayan şəxslər üçün XXA).",
        ),
        (
            "ru",
            "«QQQ» не является известным кодом страны ISO 3166-1 alpha-3 "
            "(XXA — для лиц без гражданства).",
        ),
        (
            "en",
            "'QQQ' is not a known ISO 3166-1 alpha-3 country code (XXA for stateless persons).",
        ),
    ],
)
def test_error_messages_follow_accept_language_codes_do_not(
    api, person_payload, language: str, message: str
) -> None:
    person_payload["nationalities"] = [{"country": "QQQ"}]
    body = _problem(
        api.post(
            "/api/v1/persons",
            person_payload,
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE=language,
        ),
        422,
    )
    assert body["code"] == "validation_failed"
    assert body["errors"][0] == {
        "field": "nationalities.0.country",
        "code": "unknown_country",
        "message": message,
    }
    assert body["detail"] == f"nationalities.0.country: {message}"


def test_mrz_check_digit_error_is_in_the_users_language(api, person_payload) -> None:
    lines = _td3().split("\n")
    broken = lines[0] + "\n" + lines[1][:19] + str((int(lines[1][19]) + 1) % 10) + lines[1][20:]
    body = api.post(
        "/api/v1/mrz/parse",
        {"mrz": broken},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    ).json()
    assert body["errors"][0]["field"] == "mrz.birth_date_check_digit"
    assert "birth date" in body["errors"][0]["message"]
    az = api.post(
        "/api/v1/mrz/parse",
        {"mrz": broken},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="az",
    ).json()
    assert az["errors"][0]["code"] == "check_digit"
    assert "doğum tarixi" in az["errors"][0]["message"]
