"""Bounds of the integer parameters officer pages take: a page number and a row id.

Unbounded, ``page=10**30`` reached the database as an OFFSET too large for any integer column (SQLite's
driver raised OverflowError, PostgreSQL refused the value) and answered 500; bounded, it is a 400.
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

MAX_PAGE = 1_000_000
# Ids are 64-bit signed integers in both engines.
MAX_ROW_ID = 2**63 - 1

Page = Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="Page number, from 1.")]
RowId = Annotated[int, Parameter(ge=1, le=MAX_ROW_ID)]
