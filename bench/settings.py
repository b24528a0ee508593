"""Settings of the benchmark server: UMIS's own, plus the baseline endpoint of
bench/urls.py. Same middleware, same database settings; never used in production."""

from umis.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# As in production: no query log kept in memory, no debug pages.
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
