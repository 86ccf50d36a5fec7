"""Operational reports (SPEC OPS-8) and when they are written.

- the daily P&L report, due at 23:59 UTC for the day then ending
  (:func:`build_daily_report`, :func:`write_daily_report`);
- the weekly TCA venue scorecard, due on Sunday at 23:59 UTC for the seven days then
  ending (:func:`build_tca_scorecard`, :func:`write_tca_scorecard`).

:class:`ReportSchedule` takes no clock: the caller passes ``now``. It remembers the last
day (and the last week) it wrote in ``<reports>/report_schedule.json``, so a restart
neither repeats a report nor skips one: slots missed while the process was down are
written when it comes back (at most ``MAX_CATCH_UP_DAYS`` days, ``MAX_CATCH_UP_WEEKS``
weeks). On the very first start (no marker file) only the latest slot is written.
:meth:`ReportSchedule.run_due` is cheap while nothing is due (no database query, no file
access), so a once-a-second tick may call it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from ai_trader.core.errors import AiTraderError
from ai_trader.core.files import write_atomically
from ai_trader.runtime.daily_report import (
    DailyReport,
    build_daily_report,
    render_daily_markdown,
    write_daily_report,
)
from ai_trader.runtime.tca_report import (
    GRADE_RULES,
    TcaScorecard,
    VenueScorecard,
    build_tca_scorecard,
    iso_week,
    render_tca_markdown,
    write_tca_scorecard,
)

__all__ = [
    "DAILY",
    "DEFAULT_REPORTS_DIR",
    "GRADE_RULES",
    "RUN_AT",
    "SCHEDULE_FILE",
    "TCA",
    "DailyReport",
    "ReportSchedule",
    "TcaScorecard",
    "VenueScorecard",
    "build_daily_report",
    "build_tca_scorecard",
    "iso_week",
    "render_daily_markdown",
    "render_tca_markdown",
    "write_daily_report",
    "write_tca_scorecard",
]

logger = logging.getLogger(__name__)

DAILY = "daily"
TCA = "tca"
DEFAULT_REPORTS_DIR = Path("reports")
SCHEDULE_FILE = "report_schedule.json"
RUN_AT = time(23, 59)
SUNDAY = 6
MAX_CATCH_UP_DAYS = 31
MAX_CATCH_UP_WEEKS = 5
RETRY_AFTER = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class _Slot:
    kind: str  # DAILY or TCA
    day: date  # the day reported, or the week's last day

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.day.isoformat()}"


def latest_daily_slot(now: datetime) -> date:
    """The last day whose report was due at or before ``now``."""
    today = now.astimezone(UTC)
    return today.date() if today.time() >= RUN_AT else today.date() - timedelta(days=1)


def latest_weekly_slot(now: datetime) -> date:
    """The last Sunday whose scorecard was due at or before ``now``."""
    moment = now.astimezone(UTC)
    if moment.weekday() == SUNDAY and moment.time() >= RUN_AT:
        return moment.date()
    return moment.date() - timedelta(days=moment.weekday() + 1)


class ReportSchedule:
    """``run_due(datetime.now(UTC))`` from a periodic tick writes the reports that are due
    under ``output_dir``; ``venue`` names the venue the orders without fills went to."""

    def __init__(
        self,
        database: Engine,
        output_dir: Path = DEFAULT_REPORTS_DIR,
        *,
        venue: str | None = None,
        retry_after: timedelta = RETRY_AFTER,
    ) -> None:
        self._database = database
        self.output_dir = output_dir
        self.venue = venue
        """The venue orders without fills are credited to (set once the session is open)."""
        self._retry_after = retry_after
        self._markers = _load_markers(output_dir / SCHEDULE_FILE)
        self._quiet_until: datetime | None = None  # nothing is due before this
        self._retry_at: datetime | None = None  # after a failure
        self.failures = 0

    @property
    def markers(self) -> dict[str, date | None]:
        """The last day written per report kind (None: never)."""
        return dict(self._markers)

    def due(self, now: datetime) -> list[str]:
        """The reports due at ``now``, oldest first, as ``daily:<day>`` and
        ``tca:<week's last day>``."""
        return [slot.name for slot in self._due_slots(now)]

    def run_due(self, now: datetime) -> list[Path]:
        """Build and write the reports due at ``now``; returns the files written. A failure
        (database down, disk full) is logged and retried after ``retry_after``; the marker
        only moves once a report is on disk (a bad row, ``ValueError``, is handled alike)."""
        slots = self._due_slots(now)
        if not slots or (self._retry_at is not None and now < self._retry_at):
            return []
        written: list[Path] = []
        for slot in slots:
            try:
                written.extend(self._write(slot, now))
                self._markers[slot.kind] = slot.day
                self._save_markers()
            except (AiTraderError, SQLAlchemyError, OSError, ValueError) as exc:
                self.failures += 1
                self._retry_at = now + self._retry_after
                logger.error("report %s failed, retrying later: %s", slot.name, exc)
                break
            logger.info("report %s written to %s", slot.name, written[-2])
        else:
            self._retry_at = None
        return written

    def _due_slots(self, now: datetime) -> list[_Slot]:
        if now.tzinfo is None:
            raise ValueError(f"naive datetime {now!r}: pass an aware UTC time")
        if self._quiet_until is not None and now < self._quiet_until:
            return []
        daily = latest_daily_slot(now)
        weekly = latest_weekly_slot(now)
        slots = [
            *_slots(DAILY, self._markers[DAILY], daily, 1, MAX_CATCH_UP_DAYS),
            *_slots(TCA, self._markers[TCA], weekly, 7, MAX_CATCH_UP_WEEKS),
        ]
        if not slots:
            next_daily = daily + timedelta(days=1)
            next_weekly = weekly + timedelta(days=7)
            self._quiet_until = datetime.combine(min(next_daily, next_weekly), RUN_AT, UTC)
        else:
            self._quiet_until = None
        return sorted(slots, key=lambda slot: (slot.day, slot.kind))

    def _write(self, slot: _Slot, now: datetime) -> tuple[Path, Path]:
        if slot.kind == DAILY:
            report = build_daily_report(self._database, slot.day, generated_at=now)
            return write_daily_report(report, self.output_dir)
        scorecard = build_tca_scorecard(
            self._database, slot.day, venue=self.venue, generated_at=now
        )
        return write_tca_scorecard(scorecard, self.output_dir)

    def _save_markers(self) -> None:
        document = {kind: day.isoformat() if day else None for kind, day in self._markers.items()}
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
        write_atomically(self.output_dir / SCHEDULE_FILE, text.encode("utf-8"))


def _slots(kind: str, last: date | None, latest: date, step: int, most: int) -> list[_Slot]:
    if last is None:
        return [_Slot(kind, latest)]
    count = min((latest - last).days // step, most)
    return [_Slot(kind, latest - timedelta(days=step * n)) for n in range(count - 1, -1, -1)]


def _load_markers(path: Path) -> dict[str, date | None]:
    markers: dict[str, date | None] = {DAILY: None, TCA: None}
    try:
        document = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return markers
    except (OSError, ValueError) as exc:
        logger.warning("%s unreadable (%s): only the latest reports will be written", path, exc)
        return markers
    for kind in markers:
        value = document.get(kind) if isinstance(document, dict) else None
        try:
            markers[kind] = date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            logger.warning("%s: %s marker %r is not a date, ignored", path, kind, value)
    return markers
