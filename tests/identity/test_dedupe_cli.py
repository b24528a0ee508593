"""`umis identity dedupe INPUT.csv --out OUTPUT.csv`: output, errors, exit codes."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from umis.identity.dedupe import COLUMNS

HEADER = ",".join(COLUMNS)
ROWS = [
    "b1,BORDER,HUSEYNOV,ELCHIN,,M,1984-08-19,AZE,passport,C1234567",
    "b2,STAY_REGISTRATION,Гусейнов,Эльчин,Ровшанович,M,1984-08-19,AZE,,",
    "b3,TAX,Hüseynov,Elçin,,M,1984-08-19,AZE,residence_card,AZ0001",
    "b4,POLICE,MAMMADOV,VALI,,M,1990-03-05,AZE,passport,C5550002",
    "b5,APPLICATION,,,,,,,passport,C1234567",
    "b6,BORDER,,,,,,,,",
    "b7,TAX,Aliyev,Rashad,,M,1980-13-45,ATLANTIS,passport,P1",
]


def _write(tmp_path: Path, lines: list[str], name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("identity", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_record_once_with_its_cluster(tmp_path: Path) -> None:
    src = _write(tmp_path, [HEADER, *ROWS])
    out = tmp_path / "out.csv"
    report = tmp_path / "problems.csv"
    stdout, stderr = _run("dedupe", str(src), "--out", str(out), "--report", str(report))
    rows = _read(out)
    assert list(rows[0]) == ["record_id", "cluster_id"]
    assert [r["record_id"] for r in rows] == [f"b{k}" for k in range(1, 8)]  # input order
    cluster = {r["record_id"]: r["cluster_id"] for r in rows}
    assert cluster["b1"] == cluster["b2"] == cluster["b3"] == cluster["b5"] == "b1"
    assert cluster["b4"] == "b4" and cluster["b6"] == "b6" and cluster["b7"] == "b7"
    # The bad row is reported (stderr and the report) and still clustered.
    assert "line 8, record b7: birth_date:" in stderr
    assert "line 8, record b7: nationality:" in stderr
    problems = _read(report)
    assert {(p["line"], p["record_id"], p["field"]) for p in problems} == {
        ("8", "b7", "birth_date"),
        ("8", "b7", "nationality"),
    }
    assert "7 records, 4 clusters, 2 row problems" in stdout


def test_missing_columns_error_writes_nothing(tmp_path: Path) -> None:
    src = _write(tmp_path, ["record_id,family_name,given_names", "1,A,B"])
    out = tmp_path / "out.csv"
    with pytest.raises(CommandError) as exc:
        _run("dedupe", str(src), "--out", str(out), "--report", str(tmp_path / "r.csv"))
    assert exc.value.returncode == 2
    assert "missing columns: source, patronymic, sex, birth_date" in str(exc.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_non_utf8_error_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes((HEADER + "\n1,TAX,Müller,Hans,,M,,DEU,,\n").encode("cp1252"))
    out = tmp_path / "out.csv"
    with pytest.raises(CommandError) as exc:
        _run("dedupe", str(src), "--out", str(out))
    assert exc.value.returncode == 2
    assert "not UTF-8" in str(exc.value) and "line 2" in str(exc.value)
    assert not out.exists()


def test_duplicate_record_ids_refused(tmp_path: Path) -> None:
    src = _write(tmp_path, [HEADER, ROWS[0], ROWS[0]])
    out = tmp_path / "out.csv"
    with pytest.raises(CommandError, match=r"duplicate record_id: b1 \(lines 2 and 3\)"):
        _run("dedupe", str(src), "--out", str(out))
    assert not out.exists()


def test_missing_input_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read") as exc:
        _run("dedupe", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv"))
    assert exc.value.returncode == 2


def test_existing_output_replaced_only_on_success(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("previous run\n")
    bad = _write(tmp_path, ["record_id", "1"], name="bad.csv")
    with pytest.raises(CommandError):
        _run("dedupe", str(bad), "--out", str(out))
    assert out.read_text() == "previous run\n"
    good = _write(tmp_path, [HEADER, ROWS[0]], name="good.csv")
    _run("dedupe", str(good), "--out", str(out), "--pairs", str(tmp_path / "pairs.csv"))
    assert _read(out) == [{"record_id": "b1", "cluster_id": "b1"}]
    assert (tmp_path / "pairs.csv").read_text() == "record_id_a,record_id_b,probability\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_exit_codes_of_the_umis_command(tmp_path: Path) -> None:
    """The real entry point: exit 0 with the output written, 2 for a bad file."""
    umis = Path(sys.executable).with_name("umis")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "umis.settings_test"}
    good = _write(tmp_path, [HEADER, *ROWS])
    ok = subprocess.run(
        [str(umis), "identity", "dedupe", str(good), "--out", str(tmp_path / "o.csv")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert len(_read(tmp_path / "o.csv")) == len(ROWS)
    bad = _write(tmp_path, ["record_id,source", "1,TAX"], name="bad.csv")
    failed = subprocess.run(
        [str(umis), "identity", "dedupe", str(bad), "--out", str(tmp_path / "x.csv")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert failed.returncode == 2
    assert "missing columns" in failed.stderr
    assert not (tmp_path / "x.csv").exists()


def test_output_directories_are_checked_before_reading(tmp_path: Path) -> None:
    src = _write(tmp_path, [HEADER, ROWS[0]])
    with pytest.raises(CommandError, match="--report: directory") as exc:
        _run(
            "dedupe",
            str(src),
            "--out",
            str(tmp_path / "o.csv"),
            "--report",
            str(tmp_path / "no" / "r.csv"),
        )
    assert exc.value.returncode == 2
    assert not (tmp_path / "o.csv").exists()
