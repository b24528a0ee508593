"""Logging filters that keep personal data out of application logs."""

from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"\?[^\s\"]*")


class StripQueryStringFilter(logging.Filter):
    """Remove query strings from request lines: search terms (names, document numbers)
    must never reach a log file."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "?" in record.msg:
            record.msg = _QUERY.sub("?…", record.msg)
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(
                _QUERY.sub("?…", a) if isinstance(a, str) and "?" in a else a for a in record.args
            )
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            record.request = request.path  # drop the full request repr
        return True
