"""What buttons carry: a small JSON value naming the school and period, never a name.

The listener re-checks everything a value claims (workspace, director) before acting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from core.errors import InvalidInput


@dataclass(frozen=True)
class PeriodRef:
    school_id: int
    start: date
    end: date
    page: int = 0
    seen: str | None = None
    """The start of the previewed report's fingerprint (Approve only): approving checks the
    records are still exactly those the director saw."""
    early: bool = False
    """Submit early was chosen: the period has not ended (Approve only)."""

    def encode(self) -> str:
        data: dict[str, object] = {
            "s": self.school_id,
            "f": self.start.isoformat(),
            "t": self.end.isoformat(),
            "p": self.page,
        }
        if self.seen:
            data["h"] = self.seen
        if self.early:
            data["e"] = 1
        return json.dumps(data, separators=(",", ":"))

    def with_page(self, page: int) -> PeriodRef:
        return PeriodRef(self.school_id, self.start, self.end, page)

    def with_seen(self, fingerprint: str, *, early: bool = False) -> PeriodRef:
        return PeriodRef(
            self.school_id, self.start, self.end, self.page, fingerprint[:16], early=early
        )

    @classmethod
    def decode(cls, value: str) -> PeriodRef:
        try:
            data = json.loads(value)
            return cls(
                int(data["s"]),
                date.fromisoformat(data["f"]),
                date.fromisoformat(data["t"]),
                int(data.get("p", 0)),
                str(data["h"]) if data.get("h") else None,
                bool(data.get("e")),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidInput(
                "That button is out of date; run /kindertrack report again."
            ) from error


@dataclass(frozen=True)
class StudentRef:
    school_id: int
    student_id: int

    def encode(self) -> str:
        return json.dumps({"s": self.school_id, "k": self.student_id}, separators=(",", ":"))

    @classmethod
    def decode(cls, value: str) -> StudentRef:
        try:
            data = json.loads(value)
            return cls(int(data["s"]), int(data["k"]))
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidInput("That button is out of date; run the command again.") from error


@dataclass(frozen=True)
class SuggestionRef:
    """A near match a director may confirm: school, student and KinderTrack child ID."""

    school_id: int
    student_id: int
    child_id: str

    def encode(self) -> str:
        return json.dumps(
            {"s": self.school_id, "k": self.student_id, "c": self.child_id}, separators=(",", ":")
        )

    @classmethod
    def decode(cls, value: str) -> SuggestionRef:
        try:
            data = json.loads(value)
            return cls(int(data["s"]), int(data["k"]), str(data["c"]))
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidInput(
                "That button is out of date; run /kindertrack sync again."
            ) from error
