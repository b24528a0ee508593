"""The one UMIS API under /api/v1/: a router per app, one OpenAPI description."""

from umis.core.api import build_api

api = build_api()
