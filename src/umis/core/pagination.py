"""Page-number pagination shared by selectors (UI and API)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet

T = TypeVar("T")
MAX_PAGE_SIZE = 100


@dataclass
class Page(Generic[T]):
    items: list[T]
    count: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def paginate(qs: QuerySet[Any], page: int, page_size: int) -> Page:
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page = max(1, page)
    count = qs.count()
    start = (page - 1) * page_size
    return Page(list(qs[start : start + page_size]), count, page, page_size)
