from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_public_deadline_calculator_reads_the_policy_pack(client, reference) -> None:
    kaz = client.get(
        "/api/v1/stays/registration-deadline?nationality=KAZ&arrival=2026-11-01&planned_days=20"
    ).json()
    assert (kaz["needed"], kaz["needed_after_days"]) == (False, 30)
    rus = client.get(
        "/api/v1/stays/registration-deadline?nationality=rus&arrival=2026-11-01&planned_days=20"
    ).json()
    assert (rus["needed"], rus["needed_after_days"], rus["deadline"]) == (True, 15, "2026-11-16")
    assert rus["fee"] == "0 AZN" and "Migration Code" in rus["deadline_ref"]
    unknown = client.get(
        "/api/v1/stays/registration-deadline?nationality=RUS&arrival=2026-11-01"
    ).json()
    assert unknown["needed"] is None


def test_calculator_errors_name_the_field(client, reference) -> None:
    bad = client.get("/api/v1/stays/registration-deadline?nationality=QQQ&arrival=2026-11-01")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "nationality"
    old = client.get("/api/v1/stays/registration-deadline?nationality=RUS&arrival=1900-01-01")
    assert old.status_code == 422 and old.json()["errors"][0]["field"] == "arrival"


def test_portal_calculator_page(client, reference) -> None:
    page = client.get("/registration-deadline/?nationality=RUS&arrival=2026-11-01&planned_days=40")
    assert page.status_code == 200
    assert "2026-11-16" in page.content.decode()
    bad = client.get("/registration-deadline/?nationality=RUS&arrival=soon")
    assert bad.status_code == 422
    assert client.get("/registration-deadline/").status_code == 200
