"""The page a counter's screen shows: its QR code with a presence code that changes every minute.

See ``survey.citizen.presence`` for what the code proves and how answers are checked. The symbol is drawn
here as a PNG (as posters are) and embedded as a data: URL, and the page reloads itself with a meta refresh
just after the minute turns: no script, nothing the strict officer CSP does not allow.
"""

from __future__ import annotations

import base64
import time

from litestar.exceptions import NotFoundException, PermissionDeniedException

from survey.accounts.guards import CurrentOfficer
from survey.citizen import presence
from survey.db.tables import Counter
from survey.qr import render
from survey.qr.keys import signing_kid
from survey.qr.posters import INVITATION
from survey.qr.tokens import sign_counter

# 12 px modules: a version 5 symbol is some 440 px wide, readable from a phone a metre or two away.
BOX_SIZE = 12


async def display(officer: CurrentOfficer, secret_key: str, base_url: str, code: str) -> dict:
    """What the screen of counter ``code`` shows now; the officer must see the counter's unit."""
    row = await Counter.select(
        Counter._meta.primary_key, Counter.name, Counter.active, Counter.presence_required, Counter.unit.name, Counter.unit.path
    ).where(Counter.code == code).first()
    if row is None or not row["active"]:
        raise NotFoundException(f"Không có quầy {code!r} đang hoạt động. / No active counter {code!r}.")
    if not officer.sees(row["unit.path"]):
        raise PermissionDeniedException(f"Quầy {code} nằm ngoài phạm vi của bạn. / Counter {code} is outside your scope.")
    now = time.time()
    kid = await signing_kid()
    url = f"{render.survey_url(base_url, sign_counter(secret_key, kid, row['id']))}?{presence.QUERY}=" + \
        presence.code(secret_key, kid, row["id"], now)
    return {
        "unit_name": row["unit.name"], "counter_name": row["name"], "code": code,
        "presence_required": row["presence_required"], "url": url, "invitation": INVITATION,
        "image": "data:image/png;base64," + base64.b64encode(render.png(url, BOX_SIZE)).decode("ascii"),
        "refresh_s": presence.seconds_to_next(now),
    }
