"""Production settings come from the environment and pass Django's deployment checks;
logs never carry query strings."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("UMIS_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "umis.settings",
        "UMIS_ENV": "production",
        "UMIS_SECRET_KEY": "x" * 20 + "-production-secret-key-for-the-check-only-0123456789",
        "UMIS_ALLOWED_HOSTS": "umis.example.az",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "UMIS_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("UMIS_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "umis.settings",
        "UMIS_ENV": "production",
        "UMIS_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode != 0 and "UMIS_SECRET_KEY" in result.stderr


def test_request_logs_drop_query_strings() -> None:
    from umis.core.logging import StripQueryStringFilter

    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /api/v1/persons?name=HUSEYNOV HTTP/1.1", 200, 10),
        None,
    )
    StripQueryStringFilter().filter(record)
    assert "HUSEYNOV" not in record.getMessage()


def test_shared_cache_from_the_environment_is_redis(tmp_path: Path) -> None:
    """Lock-outs and rate limits must be shared by every web process: UMIS_CACHE_URL
    selects Redis (running on the CI machine)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("UMIS_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "umis.settings",
        "UMIS_VAR_DIR": str(tmp_path),
        "UMIS_CACHE_URL": "redis://127.0.0.1:6379/15",
    }
    code = (
        "import django; django.setup(); from django.core.cache import caches; "
        "cache = caches['default']; "
        "print(type(cache).__name__); cache.set('umis-probe', 1, 5); "
        "print(cache.get('umis-probe'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.stdout.split() == ["RedisCache", "1"], result.stderr


def test_a_broken_policy_pack_stops_start_up_naming_the_entry(tmp_path: Path) -> None:
    pack = (ROOT / "src/umis/policy/packs/az.toml").read_text(encoding="utf-8")
    broken = pack.replace(
        'key = "stays.registration.change_of_address_working_days"\nvalue = 5',
        'key = "stays.registration.change_of_address_working_days"\nvalue = "five"',
        1,
    )
    assert broken != pack, "the pack no longer has this rule; pick another one"
    path = tmp_path / "broken.toml"
    path.write_text(broken, encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("UMIS_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "umis.settings",
        "UMIS_VAR_DIR": str(tmp_path),
        "UMIS_POLICY_PACK": str(path),
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode != 0
    assert "stays.registration.change_of_address_working_days" in result.stderr
    assert "broken.toml" in result.stderr
