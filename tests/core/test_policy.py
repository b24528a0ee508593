"""The policy pack loader and the Azerbaijan pack.

Django-free on purpose: run with ``pytest tests/core/test_policy.py -p no:django``.
Broken packs are written to ``tmp_path`` and loaded with ``load_pack``.
"""

from __future__ import annotations

import re
import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from umis.core import policy as policy_module
from umis.core.policy import (
    PolicyKeyError,
    PolicyPack,
    PolicyPackError,
    default_pack_path,
    get_policy,
    load_pack,
    loads_pack,
    reset_policy_cache,
    thaw,
)

ON = date(2026, 1, 1)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "policy-pack.md"

EXPECTED_SERVICES = {
    "registration": "REG",
    "stay_extension": "EXT",
    "trp": "TRP",
    "trp_extension": "TRX",
    "prp": "PRP",
    "prp_extension": "PRX",
    "work_permit": "WP",
    "work_permit_extension": "WPX",
    "card_replacement": "CRD",
    "refugee_status": "RSD",
    "statelessness_determination": "SLD",
    "citizenship": "CIT",
    "fine_payment": "FIN",
    "status_check": "CHK",
}


@pytest.fixture(scope="module")
def az() -> PolicyPack:
    return load_pack(default_pack_path())


# --- the real Azerbaijan pack --------------------------------------------------------------


def test_az_pack_loads_with_its_header(az: PolicyPack) -> None:
    assert az.country == "AZE"
    assert az.currency == "AZN"
    assert az.timezone == "Asia/Baku"
    assert az.languages == ("az", "en", "ru")
    assert az.holiday_calendar == "AZ"
    assert len(az.digest) == 64
    assert len(az.keys()) > 80


def test_az_pack_has_the_e_services_catalogue(az: PolicyPack) -> None:
    assert {s.code: s.case_prefix for s in az.services} == EXPECTED_SERVICES
    assert az.service_by_prefix("TRP").code == "trp"


@pytest.mark.parametrize("code", sorted(EXPECTED_SERVICES))
def test_every_service_resolves_fees_and_processing(az: PolicyPack, code: str) -> None:
    service = az.service(code)
    assert service.fee_tiers, code
    for tier in service.fee_tiers:
        amount, rule = az.fee_for(code, tier.code, on=ON)
        assert isinstance(amount, Decimal)
        assert amount >= 0
        assert rule.unit == "AZN"
        assert rule.legal_ref
        assert rule.applies_on(ON)
        processing = az.processing_time(code, tier.code, on=ON)
        assert processing.unit in {"days", "working_days", "months", "years"}
        assert processing.amount >= 0
    for lang in ("az", "en", "ru"):
        assert service.name(lang)
        assert service.who(lang)
    assert service.legal_basis
    assert service.audience in {"foreigner", "host", "employer", "any"}
    if service.refusal_grounds_key:
        grounds = az.value(service.refusal_grounds_key, on=ON)
        assert grounds
        for item in grounds:
            assert item["code"]
            assert set(item["text"]) == {"az", "en", "ru"}


def test_service_name_falls_back_to_azerbaijani_then_english(az: PolicyPack) -> None:
    trp = az.service("trp")
    assert trp.name("en") == "Temporary residence permit"
    assert trp.name("fr") == trp.name("az") == "Müvəqqəti yaşamaq üçün icazənin verilməsi"


def test_fees_are_decimals_with_their_legal_reference(az: PolicyPack) -> None:
    amount, rule = az.fee_for("work_permit", "standard", on=ON)
    assert amount == Decimal("1000")
    assert rule.key == "fees.work_permit.standard"
    assert "State Duty" in rule.legal_ref
    assert az.fee_for("work_permit", "urgent", on=ON, variant="6m")[0] == Decimal("700")
    assert az.fee_for("work_permit", "express", on=ON, variant="3m")[0] == Decimal("700")
    assert az.fee_for("trp", "standard_adult", on=ON, variant="3y")[0] == Decimal("360")
    assert az.fee_for("trp", "urgent_minor", on=ON)[0] == Decimal("100")
    assert az.fee_for("stay_extension", "urgent_adult", on=ON, variant="60d")[0] == 100
    assert az.fee_for("registration", None, on=ON)[0] == Decimal("0")


def test_unknown_fee_variant_and_tier_are_named(az: PolicyPack) -> None:
    with pytest.raises(PolicyKeyError, match=r"service 'trp' tier 'standard_adult'.*'5y'"):
        az.fee_for("trp", "standard_adult", on=ON, variant="5y")
    with pytest.raises(PolicyKeyError, match="has no fee tier 'vip'"):
        az.fee_for("trp", "vip", on=ON)
    with pytest.raises(PolicyKeyError, match=r"no service 'work_permits'.*'work_permit'"):
        az.service("work_permits")


def test_real_history_fee_tables_change_on_2019_07_24(az: PolicyPack) -> None:
    old = az.rule("fees.trp.adult.standard", on=date(2015, 6, 1))
    new = az.rule("fees.trp.adult.standard", on=date(2019, 7, 24))
    assert old.effective_from == date(2009, 7, 1)
    assert old.effective_to == date(2019, 7, 23)
    assert old.variants == ("3m", "6m", "1y")
    assert new.pick("2y") == Decimal("240")
    assert new.effective_to is None
    assert [r.effective_from for r in az.history("fees.trp.adult.standard")] == [
        date(2009, 7, 1),
        date(2019, 7, 24),
    ]


def test_registration_threshold_history_and_nationality_override(az: PolicyPack) -> None:
    key = "stays.registration.required_after_days"
    assert az.value(key, on=date(2017, 1, 1), variant="KAZ") == 10
    assert az.value(key, on=date(2018, 7, 14), variant="TUR") == 15
    assert az.value(key, on=ON, variant="KAZ") == 30
    assert az.value("stays.registration.deadline_days", on=ON, variant="FRA") == 15
    assert az.value("stays.visa_free.max_days", on=ON, variant="QAT") == 30
    assert az.value("stays.visa_free.max_days", on=ON, variant="GEO") == 90
    assert "TUR" not in az.value("stays.visa_free.nationalities", on=date(2020, 8, 12))
    assert "TUR" in az.value("stays.visa_free.nationalities", on=date(2020, 8, 13))


def test_sunset_rule_is_not_in_force_after_its_end(az: PolicyPack) -> None:
    key = "fees.work_permit.liberated_territories.express"
    assert az.value(key, on=date(2027, 12, 31), variant="2y") == Decimal("1800")
    with pytest.raises(PolicyKeyError, match="ended on 2027-12-31"):
        az.rule(key, on=date(2028, 1, 1))
    with pytest.raises(PolicyKeyError, match="ended on 2027-12-31"):
        az.fee_for("work_permit", "liberated_territories_express", on=date(2028, 1, 1))


def test_rule_before_first_version_fails_clearly(az: PolicyPack) -> None:
    with pytest.raises(PolicyKeyError) as caught:
        az.rule("fees.work_permit.urgent", on=date(2019, 7, 23))
    message = str(caught.value)
    assert "az.toml" in message
    assert "'fees.work_permit.urgent'" in message
    assert "not in force on 2019-07-23" in message
    assert "first version applies from 2019-07-24" in message
    assert isinstance(caught.value, KeyError)
    assert caught.value.key == "fees.work_permit.urgent"


def test_unknown_key_suggests_close_matches(az: PolicyPack) -> None:
    with pytest.raises(PolicyKeyError, match=r"no rule 'fees\.registraton'.*'fees\.registration'"):
        az.rule("fees.registraton", on=ON)


def test_fines_keep_ranges_by_offender(az: PolicyPack) -> None:
    fine = az.value("fines.employing_without_permit", on=ON)
    assert fine["legal_entity"] == (Decimal("15000"), Decimal("20000"))
    assert fine["official"] == (Decimal("3000"), Decimal("4000"))
    assert az.value("fines.overstay.foreigner", on=ON) == (Decimal("300"), Decimal("400"))
    with pytest.raises(PolicyKeyError, match="no single amount"):
        az.amount("fines.overstay.foreigner", on=ON)
    assert az.amount("fees.card_replacement.trp", on=ON) == Decimal("10")


def test_values_are_read_only(az: PolicyPack) -> None:
    grounds = az.value("trp.grounds", on=ON)
    with pytest.raises(TypeError):
        grounds[0]["code"] = "changed"
    plain = thaw(grounds)
    plain[0]["code"] = "changed"
    assert az.value("trp.grounds", on=ON)[0]["code"] == "close_relative_of_citizen"


def test_verify_list_carries_notes(az: PolicyPack) -> None:
    to_verify = az.rules_to_verify()
    assert to_verify
    assert all(r.verify and r.verify_note and r.legal_ref for r in to_verify)
    confirmed = az.rule("fines.employing_without_permit", on=ON)
    assert not confirmed.verify
    assert "578.1" in confirmed.legal_ref


def test_docs_list_every_key(az: PolicyPack) -> None:
    text = DOCS.read_text(encoding="utf-8")
    keys = az.keys()
    missing = [key for key in keys if f"`{key}`" not in text]
    assert not missing, f"docs/policy-pack.md does not list: {missing}"


def test_get_policy_is_cached_and_resettable() -> None:
    reset_policy_cache()
    try:
        first = get_policy()
        assert first is get_policy()
        assert first.country == "AZE"
        reset_policy_cache()
        assert get_policy() is not first
    finally:
        reset_policy_cache()


def test_get_policy_reads_the_configured_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, MINIMAL)
    monkeypatch.setattr(policy_module, "_configured_path", lambda: path)
    reset_policy_cache()
    try:
        assert get_policy().country == "TST"
    finally:
        reset_policy_cache()


# --- a small pack to break ------------------------------------------------------------------

MINIMAL = textwrap.dedent(
    """\
    [pack]
    country = "TST"
    name = "Testland"
    version = "1"
    timezone = "Asia/Baku"
    currency = "AZN"
    languages = ["az", "en", "ru"]
    holiday_calendar = "AZ"

    [[rule]]
    key = "fees.test"
    value = 10
    unit = "AZN"
    effective_from = 2020-01-01
    legal_ref = "Test Law, Art. 1"
    description = "A fee."

    [[rule]]
    key = "test.processing_days"
    value = 5
    unit = "working_days"
    effective_from = 2020-01-01
    legal_ref = "Test Law, Art. 2"
    description = "A term."

    [[service]]
    code = "svc"
    case_prefix = "TST"
    names = { az = "Xidmət", en = "Service", ru = "Услуга" }
    who_may_apply = { az = "Hər kəs", en = "Anyone", ru = "Любой" }
    legal_basis = "Test Law"
    online = true
    audience = "foreigner"
    fee = "fees.test"
    processing_time = "test.processing_days"
    required_documents = []
    """
)

RULE = textwrap.dedent(
    """\

    [[rule]]
    key = "{key}"
    value = {value}
    unit = "{unit}"
    effective_from = {start}
    legal_ref = "Test Law, Art. 9"
    description = "Added by a test."
    """
)

SERVICE = textwrap.dedent(
    """\

    [[service]]
    code = "{code}"
    case_prefix = "{prefix}"
    names = {{ az = "Xidmət", en = "Service", ru = "Услуга" }}
    who_may_apply = {{ az = "Hər kəs", en = "Anyone", ru = "Любой" }}
    legal_basis = "Test Law"
    online = true
    audience = "foreigner"
    fee = "{fee}"
    processing_time = "test.processing_days"
    required_documents = []
    """
)


def write(tmp_path: Path, text: str, name: str = "pack.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rule(key: str, value: str, unit: str = "days", start: str = "2021-01-01") -> str:
    return RULE.format(key=key, value=value, unit=unit, start=start)


def broken(tmp_path: Path, text: str) -> PolicyPackError:
    path = write(tmp_path, text, name="broken.toml")
    with pytest.raises(PolicyPackError) as caught:
        load_pack(path)
    message = str(caught.value)
    assert str(path) in message, message
    return caught.value


def has_problem(error: PolicyPackError, entry: str, reason: str) -> None:
    """``error`` lists a problem for ``entry`` whose reason contains ``reason``; the rendered
    message names the file, the entry and the reason."""
    assert any(p.entry == entry and reason in p.reason for p in error.problems), str(error)
    rendered = str(error)
    assert entry in rendered
    assert reason in rendered


def test_minimal_pack_loads(tmp_path: Path) -> None:
    pack = load_pack(write(tmp_path, MINIMAL))
    assert pack.fee_for("svc", None, on=date(2020, 1, 1))[0] == Decimal("10")
    assert pack.processing_time("svc").amount == 5


def test_history_before_between_and_after(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + rule("test.term", "10", start="2020-01-01")
        + rule("test.term", "15", start="2022-06-01")
    )
    pack = load_pack(write(tmp_path, text))
    first, second = pack.history("test.term")
    assert first.effective_to == date(2022, 5, 31)
    assert second.effective_to is None
    with pytest.raises(PolicyKeyError, match="first version applies from 2020-01-01"):
        pack.rule("test.term", on=date(2019, 12, 31))
    assert pack.value("test.term", on=date(2020, 1, 1)) == 10
    assert pack.value("test.term", on=date(2022, 5, 31)) == 10
    assert pack.value("test.term", on=date(2022, 6, 1)) == 15
    assert pack.value("test.term", on=date(2030, 1, 1)) == 15
    assert pack.keys() == ["fees.test", "test.processing_days", "test.term"]


def test_versions_may_be_written_in_any_order(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + rule("test.term", "15", start="2022-06-01")
        + rule("test.term", "10", start="2020-01-01")
    )
    pack = load_pack(write(tmp_path, text))
    assert [r.value for r in pack.history("test.term")] == [10, 15]


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    error = broken(tmp_path, MINIMAL + '\n[[rule]]\nkey = "oops\n')
    assert "TOML syntax error" in str(error)
    assert re.search(r"line \d+", str(error))


def test_missing_required_field(tmp_path: Path) -> None:
    text = MINIMAL.replace('legal_ref = "Test Law, Art. 2"\n', "")
    error = broken(tmp_path, text)
    has_problem(error, "rule #2 'test.processing_days'", "missing required field 'legal_ref'")


def test_unknown_field_suggests_the_right_name(tmp_path: Path) -> None:
    text = MINIMAL + rule("test.term", "10").replace("effective_from", "efective_from")
    error = broken(tmp_path, text)
    has_problem(
        error,
        "rule #3 'test.term'",
        "unknown field 'efective_from' (did you mean 'effective_from'?)",
    )


@pytest.mark.parametrize(
    ("value", "unit", "reason"),
    [
        ("-5", "AZN", "unit 'AZN' needs a non-negative amount"),
        ('"ten"', "AZN", "unit 'AZN' needs a non-negative amount"),
        ("[500, 300]", "AZN", "range must be [min, max]"),
        ("2.5", "days", "unit 'days' needs a non-negative whole number of days"),
        ("-1", "working_days", "needs a non-negative whole number"),
        ('"yes"', "bool", "unit 'bool' needs true or false"),
        ("150", "percent", "unit 'percent' needs a number from 0 to 100"),
        ('""', "text", "unit 'text' needs a non-empty string"),
        ("{ default = 15, KAZ = -30 }", "days", "(variant 'KAZ')"),
        ('"a"', "list", "unit 'list' needs an array"),
        ("true", "count", "unit 'count' needs a non-negative whole number"),
    ],
)
def test_wrong_value_for_the_unit(tmp_path: Path, value: str, unit: str, reason: str) -> None:
    error = broken(tmp_path, MINIMAL + rule("test.value", value, unit))
    has_problem(error, "rule #3 'test.value'", reason)


def test_list_items_need_all_translations(tmp_path: Path) -> None:
    value = '[{ code = "a", text = { az = "A", en = "A" } }, { code = "a" }]'
    error = broken(tmp_path, MINIMAL + rule("refusal.test", value, "list"))
    has_problem(error, "rule #3 'refusal.test' item 'a'", "'text' is missing the 'ru' translation")
    has_problem(error, "rule #3 'refusal.test'", "item #2: duplicate code 'a'")


def test_duplicate_key_and_effective_from(tmp_path: Path) -> None:
    error = broken(tmp_path, MINIMAL + rule("test.term", "10") + rule("test.term", "12"))
    has_problem(
        error,
        "rule #4 'test.term'",
        "duplicate version: rule #3 'test.term' already applies from 2021-01-01",
    )


def test_effective_from_must_be_a_date(tmp_path: Path) -> None:
    error = broken(tmp_path, MINIMAL + rule("test.term", "10", start='"2021-01-01"'))
    has_problem(error, "rule #3 'test.term'", "effective_from must be a TOML date")
    assert "without quotes" in str(error)


def test_empty_legal_ref(tmp_path: Path) -> None:
    text = MINIMAL.replace('legal_ref = "Test Law, Art. 1"', 'legal_ref = "  "')
    error = broken(tmp_path, text)
    has_problem(error, "rule #1 'fees.test'", "'legal_ref' must not be empty")


def test_unknown_unit(tmp_path: Path) -> None:
    error = broken(tmp_path, MINIMAL + rule("test.term", "10", "dollars"))
    has_problem(error, "rule #3 'test.term'", "unknown unit 'dollars'")


def test_units_must_agree_across_versions(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + rule("test.term", "10", "days", "2020-01-01")
        + rule("test.term", "10", "working_days", "2021-01-01")
    )
    error = broken(tmp_path, text)
    has_problem(error, "rule #4 'test.term'", "unit 'working_days' differs from 'days'")


def test_explicit_end_may_not_overlap_the_next_version(tmp_path: Path) -> None:
    first = rule("test.term", "10", start="2020-01-01").replace(
        "effective_from = 2020-01-01", "effective_from = 2020-01-01\neffective_to = 2021-06-30"
    )
    error = broken(tmp_path, MINIMAL + first + rule("test.term", "12", start="2021-01-01"))
    has_problem(error, "rule #3 'test.term'", "effective_to 2021-06-30 overlaps rule #4")


def test_service_reference_to_a_missing_rule(tmp_path: Path) -> None:
    text = MINIMAL + SERVICE.format(code="other", prefix="OTH", fee="fees.tset")
    error = broken(tmp_path, text)
    has_problem(error, "service 'other'", "'fee' refers to missing rule 'fees.tset'")
    assert "did you mean 'fees.test'" in str(error)


def test_service_fee_must_be_money(tmp_path: Path) -> None:
    text = MINIMAL + SERVICE.format(code="other", prefix="OTH", fee="test.processing_days")
    error = broken(tmp_path, text)
    has_problem(
        error, "service 'other'", "'fee' refers to rule 'test.processing_days' in 'working_days'"
    )


def test_service_missing_translation(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        'names = { az = "Xidmət", en = "Service", ru = "Услуга" }',
        'names = { az = "Xidmət", en = "Service" }',
    )
    error = broken(tmp_path, text)
    has_problem(error, "service 'svc'", "'names' is missing the 'ru' translation")


def test_duplicate_service_code_and_prefix(tmp_path: Path) -> None:
    text = MINIMAL + SERVICE.format(code="svc", prefix="TST", fee="fees.test")
    error = broken(tmp_path, text)
    has_problem(error, "service 'svc'", "duplicate service code")
    has_problem(error, "service 'svc'", "case prefix 'TST' is already used by service 'svc'")


def test_tiered_fee_table_needs_a_default_variant(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        'value = 10\nunit = "AZN"', 'value = { "1y" = 10, "2y" = 20 }\nunit = "AZN"'
    )
    error = broken(tmp_path, text)
    has_problem(error, "service 'svc'", "fee rule 'fees.test' is a table (1y, 2y): give")


def test_fee_tiers_are_checked(tmp_path: Path) -> None:
    tiers = textwrap.dedent(
        """\
        [[service.fee_tiers]]
        code = "fast"
        amount = "fees.test"
        processing = "fees.test"

        [[service.fee_tiers]]
        code = "slow"
        amount = "fees.missing"
        procesing = 10
        """
    )
    text = MINIMAL.replace('fee = "fees.test"\n', "") + tiers
    error = broken(tmp_path, text)
    has_problem(error, "service 'svc' fee tier 'fast'", "'processing' refers to rule 'fees.test'")
    has_problem(error, "service 'svc' fee tier 'slow'", "unknown field 'procesing'")


def test_every_problem_is_reported_at_once_with_lines(tmp_path: Path) -> None:
    text = MINIMAL + rule("test.a", "-1") + rule("test.b", "1", "parsecs") + rule("Bad Key", "1")
    error = broken(tmp_path, text)
    assert len(error.problems) == 3
    assert "3 problems" in str(error)
    assert re.search(r"rule #3 'test\.a' \(line \d+\)", str(error))
    assert "rule #5 'Bad Key'" in str(error)


def test_unknown_top_level_and_pack_fields(tmp_path: Path) -> None:
    text = MINIMAL.replace('holiday_calendar = "AZ"', 'holiday_calendar = "AZ"\ncurency = "AZN"')
    error = broken(tmp_path, text + '\n[[rules]]\nkey = "x"\n')
    has_problem(error, "[pack]", "unknown field 'curency' (did you mean 'currency'?)")
    has_problem(error, "file", "unknown top-level entry 'rules'")


def test_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(PolicyPackError, match=r"nowhere\.toml: cannot read the policy pack"):
        load_pack(path)


def test_money_is_converted_exactly(tmp_path: Path) -> None:
    text = MINIMAL + rule("fees.small", "0.1", "AZN") + rule("fees.text", '"12.50"', "AZN")
    pack = load_pack(write(tmp_path, text))
    assert pack.amount("fees.small", on=date(2021, 1, 1)) == Decimal("0.1")
    assert str(pack.amount("fees.small", on=date(2021, 1, 1))) == "0.1"
    assert pack.amount("fees.text", on=date(2021, 1, 1)) == Decimal("12.50")


def test_loads_pack_from_text() -> None:
    pack = loads_pack(MINIMAL, source="inline.toml")
    assert pack.path == "inline.toml"
    with pytest.raises(PolicyPackError, match=r"^inline\.toml: TOML syntax error"):
        loads_pack("[pack", source="inline.toml")
