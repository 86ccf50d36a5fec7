"""Kill -9 at random points, restart, and nothing acknowledged is lost or duplicated
(SPEC STO-4, EXE-2).

Each session trades the seeded synthetic market in a child process; the test kills it
with SIGKILL at a named crash point (the n-th time it is reached) or after a random delay,
restarts it, and finally lets a clean child run to the end. Then the journal and the venue
ledger must agree.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from ai_trader.adapters.db import SqlJournal, create_database_engine
from ai_trader.adapters.sim.ledger import VenueLedger
from ai_trader.core.money import ZERO
from ai_trader.domain.enums import OrderStatus

pytestmark = pytest.mark.integration

CHILD = Path(__file__).with_name("kill9_child.py")
CRASH_POINTS = (
    "before_intent",
    "after_intent_before_send",
    "after_send_before_ack",
    "after_send_before_fill_journal",
)
TOTAL_BARS = 800
SESSIONS = 3
KILLS_PER_SESSION = 6


@dataclass
class Observed:
    acknowledged: set[str] = field(default_factory=set)
    fills: set[str] = field(default_factory=set)
    kills: Counter[str] = field(default_factory=Counter)
    recovery: list[tuple[int, int, int]] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)

    def read(self, stdout: str) -> None:
        self.outputs.append(stdout)
        for line in stdout.splitlines():
            word, *rest = line.split()
            if word == "ACK":
                self.acknowledged.add(rest[0])
            elif word == "FILL":
                self.fills.add(rest[0])
            elif word == "RECOVERY":
                accepted, unsent, imported = map(int, rest)
                self.recovery.append((accepted, unsent, imported))


def journal_target(directory: Path) -> str:
    """The journal the children use: a PostgreSQL URL written in the directory, else SQLite."""
    url_file = directory / "journal.url"
    return url_file.read_text() if url_file.exists() else str(directory / "journal.db")


def run_child(
    directory: Path, seed: int, env: dict[str, str], delay: float | None
) -> tuple[int, str]:
    command = [sys.executable, str(CHILD), journal_target(directory), str(directory / "venue.db")]
    process = subprocess.Popen(
        [*command, str(TOTAL_BARS), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    if delay is not None:
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode in (0, -signal.SIGKILL), stderr
    return process.returncode, stdout


def run_session(directory: Path, seed: int, observed: Observed) -> None:
    rng = random.Random(seed)
    base = {"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0"}
    for _ in range(KILLS_PER_SESSION):
        mode = rng.choice((*CRASH_POINTS, "delay"))
        if mode == "delay":
            code, stdout = run_child(directory, seed, base, rng.uniform(0.6, 1.4))
        else:
            env = {
                **base,
                "AI_TRADER_CRASH_POINT": mode,
                "AI_TRADER_CRASH_AT": str(rng.randint(1, 8)),
            }
            code, stdout = run_child(directory, seed, env, None)
        observed.read(stdout)
        if code == -signal.SIGKILL:
            observed.kills[mode] += 1
    code, stdout = run_child(directory, seed, base, None)
    observed.read(stdout)
    assert code == 0
    assert "DONE" in stdout


def assert_consistent(directory: Path, observed: Observed) -> None:
    target = journal_target(directory)
    url = target if "://" in target else None
    database = create_database_engine(url, directory / "journal.db")
    journal = SqlJournal(database)
    ledger = VenueLedger(directory / "venue.db")
    try:
        for client_order_id in observed.acknowledged:
            row = journal.order(client_order_id)
            assert row is not None, f"acknowledged order {client_order_id} lost"
            assert row.status != OrderStatus.PENDING_SUBMIT
        attempts = Counter(cid for cid, _ in ledger.submit_attempts())
        assert [cid for cid, n in attempts.items() if n > 1] == [], "client order id sent twice"
        local = journal.fills()
        venue = ledger.fills()
        assert observed.fills <= {f.trade_id for f in local}
        assert len(local) == len({(f.venue, f.venue_order_id, f.trade_id) for f in local})
        assert sorted(local, key=lambda f: f.trade_id) == sorted(venue, key=lambda f: f.trade_id)
        venue_positions: dict[str, Decimal] = {}
        for fill in venue:
            venue_positions[fill.symbol] = (
                venue_positions.get(fill.symbol, ZERO) + fill.signed_quantity
            )
        local_positions = {s: p.quantity for s, p in journal.positions_from_fills().items()}
        assert local_positions == venue_positions
        assert all(row.status != OrderStatus.PENDING_SUBMIT for row in journal.open_orders())
        assert ledger.integrity_check() == "ok"
        if url is None:
            with database.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        ledger.close()
        database.dispose()


def test_kill9_at_random_points_then_restart_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    totals = Observed()
    for session in range(SESSIONS):
        directory = tmp_path / f"session-{session}"
        directory.mkdir()
        observed = Observed()

        run_session(directory, 1_000 + session, observed)

        assert_consistent(directory, observed)
        totals.kills.update(observed.kills)
        totals.recovery.extend(observed.recovery)
    assert sum(totals.kills.values()) >= 12, totals.kills
    assert set(CRASH_POINTS) <= set(totals.kills), totals.kills
    assert sum(unsent for _, unsent, _ in totals.recovery) > 0, "no never-sent order recovered"
    assert sum(accepted for accepted, _, _ in totals.recovery) > 0, "no pending order found"
    assert sum(imported for _, _, imported in totals.recovery) > 0, "no fill imported"


def test_kill9_when_journal_on_postgresql_then_restart_loses_and_duplicates_nothing(
    tmp_path: Path, postgres_url: str
) -> None:
    (tmp_path / "journal.url").write_text(postgres_url)
    observed = Observed()

    run_session(tmp_path, 2_000, observed)

    assert_consistent(tmp_path, observed)
    assert sum(observed.kills.values()) >= 4, observed.kills
