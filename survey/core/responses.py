"""What a stored response is (its status) and how it came in (its channel).

Both are written to the ``response`` table as text; as ``StrEnum`` members they compare equal to the stored
strings and format as them, so SQL built with them reads exactly as before.
"""

from __future__ import annotations

from enum import StrEnum


class ResponseStatus(StrEnum):
    """``valid`` counts in reports; a burst from one device is ``flagged`` until an officer reviews it and
    either keeps it (``valid``) or leaves it out for good (``excluded``)."""

    VALID = "valid"
    FLAGGED = "flagged"
    EXCLUDED = "excluded"


class Channel(StrEnum):
    """``qr``: the counter's poster; ``receipt``: the code printed on a dossier receipt; ``kiosk`` and
    ``api``: the JSON API, from a kiosk at the centre or another application."""

    QR = "qr"
    RECEIPT = "receipt"
    KIOSK = "kiosk"
    API = "api"


# The choices an officer has for a flagged response.
REVIEW_DECISIONS = (ResponseStatus.VALID, ResponseStatus.EXCLUDED)
