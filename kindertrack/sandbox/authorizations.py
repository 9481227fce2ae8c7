"""Provider authorization (docs/KINDERTRACK.md, contract version 2): one-time link codes.

A center's KinderTrack administrator authorizes a vendor in the portal and receives a
link code (8 characters from :data:`LINK_CODE_ALPHABET`, valid :data:`LINK_CODE_VALIDITY`,
one use). The vendor proves it acts for the provider by posting that code; until then
every provider-scoped call is refused. A seed without any link code authorizes every
provider (version 1 behaviour).

What was authorized and which codes were used survive a restart when a state file is
given (``<state>.authorizations.json``, replaced atomically like the submissions).
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kindertrack.sandbox.files import replace_atomically

LINK_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LINK_CODE_LENGTH = 8
LINK_CODE_VALIDITY = timedelta(days=7)


@dataclass(frozen=True)
class LinkCode:
    code: str
    provider_id: str
    issued_at: datetime

    @property
    def expires_at(self) -> datetime:
        return self.issued_at + LINK_CODE_VALIDITY


def new_link_code() -> str:
    return "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(LINK_CODE_LENGTH))


class Authorizations:
    """Which providers authorized the vendor key, and the link codes still to be used."""

    def __init__(
        self,
        seed_codes: Iterable[tuple[str, str]],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        path: Path | None = None,
    ) -> None:
        """``seed_codes`` are (provider_id, code) pairs, issued when the sandbox starts."""
        self._clock = clock
        self._path = path
        self._lock = threading.Lock()
        now = clock()
        self._codes = {code: LinkCode(code, pid, now) for pid, code in seed_codes}
        self.required = bool(self._codes)
        self._used: set[str] = set()
        self._authorized: dict[str, str] = {}  # provider_id -> authorized_at (ISO)
        if path is not None and path.exists():
            raw = json.loads(path.read_text(encoding="utf-8"))
            self._used = set(raw.get("used_codes", []))
            self._authorized = dict(raw.get("authorized", {}))
            for item in raw.get("minted", []):
                code = LinkCode(
                    item["code"], item["provider_id"], datetime.fromisoformat(item["issued_at"])
                )
                self._codes.setdefault(code.code, code)

    def is_authorized(self, provider_id: str) -> bool:
        with self._lock:
            return not self.required or provider_id in self._authorized

    def mint(self, provider_id: str) -> LinkCode:
        """A fresh code for ``provider_id``, as the portal hands one to its administrator."""
        with self._lock:
            code = new_link_code()
            while code in self._codes:
                code = new_link_code()
            minted = LinkCode(code, provider_id, self._clock())
            self._codes[code] = minted
            self._persist()
            return minted

    def redeem(self, provider_id: str, code: str) -> datetime | None:
        """Use ``code`` for ``provider_id``: when it was authorized, or None for a code that
        is unknown, used, expired or another provider's (one answer for all four)."""
        with self._lock:
            now = self._clock()
            found = self._codes.get(code.strip().upper())
            if (
                found is None
                or found.provider_id != provider_id
                or found.code in self._used
                or now >= found.expires_at
            ):
                return None
            self._used.add(found.code)
            self._authorized[provider_id] = now.isoformat()
            self._persist()
            return now

    def _persist(self) -> None:
        if self._path is None:
            return
        minted = [
            {"code": c.code, "provider_id": c.provider_id, "issued_at": c.issued_at.isoformat()}
            for c in self._codes.values()
        ]
        payload = json.dumps(
            {"authorized": self._authorized, "used_codes": sorted(self._used), "minted": minted}
        )
        replace_atomically(self._path, payload)
