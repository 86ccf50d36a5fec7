"""The dashboard's state helpers: the thinned equity curve keeps true drawdowns, and the
news file is read leniently (missing or broken files are no news, never an error)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ai_trader.service import schemas
from ai_trader.service.dashboard import _with_contributions, curve_points, read_news

equities = st.lists(
    st.floats(min_value=1.0, max_value=1e7, allow_nan=False), min_size=1, max_size=400
)


@given(values=equities, limit=st.integers(min_value=2, max_value=50))
def test_curve_points_keep_the_last_point_and_true_drawdowns(
    values: list[float], limit: int
) -> None:
    timestamps = np.arange(len(values), dtype=np.int64) * 60_000_000_000
    points = curve_points(timestamps, np.array(values), limit)

    assert 1 <= len(points) <= limit
    assert points[-1].equity == values[-1]
    assert [p.ts for p in points] == sorted({p.ts for p in points})
    for point in points:
        index = int(point.ts.timestamp()) // 60
        peak = max(values[: index + 1])
        assert point.drawdown == max(0.0, 1.0 - values[index] / peak)


def test_curve_points_when_thinned_measure_drawdown_against_the_whole_curve() -> None:
    values = np.array([100.0, 120.0, 90.0, 95.0, 96.0])
    timestamps = np.arange(5, dtype=np.int64)

    points = curve_points(timestamps, values, 2)

    assert [p.equity for p in points] == [100.0, 96.0]
    assert points[-1].drawdown == 1.0 - 96.0 / 120.0, "the dropped 120 peak still counts"


def test_curve_points_of_an_empty_curve() -> None:
    assert curve_points(np.array([], dtype=np.int64), np.array([]), 10) == []


def test_read_news_when_missing_then_no_news(tmp_path: Path) -> None:
    assert read_news(tmp_path / "news.json", 10) == []


def test_read_news_newest_first_with_sentiment_and_limit(tmp_path: Path) -> None:
    path = tmp_path / "news.json"
    path.write_text(
        json.dumps(
            {
                "items": [
                    {"title": "old", "published_at": "2026-11-20T08:00:00Z", "sentiment": 0.1},
                    {"title": "undated", "link": "https://example.org/u"},
                    {
                        "title": "new",
                        "url": "https://example.org/n",
                        "source": "wire",
                        "published": "2026-11-21T08:00:00Z",
                        "sentiment": {"compound": -0.4},
                    },
                    "not an item",
                ]
            }
        )
    )

    news = read_news(path, 2)

    assert [n.title for n in news] == ["new", "old"]
    assert news[0].sentiment == -0.4
    assert news[0].published_at == datetime(2026, 11, 21, 8, tzinfo=UTC)
    assert read_news(path, 10)[-1].url == "https://example.org/u"


def test_read_news_when_broken_then_no_news(tmp_path: Path) -> None:
    path = tmp_path / "news.json"
    path.write_text('{"items": [{"title": "x", "published_at": "not a date"}]}')
    assert read_news(path, 10) == []
    path.write_text("{half written")
    assert read_news(path, 10) == []


def _signal(action: str, confidence: float) -> schemas.SignalView:
    return schemas.SignalView(
        strategy="sma_cross",
        symbol="SYN/USD",
        action=action,
        confidence=confidence,
        reference_price=100.0,
        reason="cross",
        ts=datetime(2026, 11, 21, tzinfo=UTC),
    )


def test_contributions_are_signed_votes_times_confidence() -> None:
    assert _with_contributions(_signal("enter_long", 0.8)).contributions[0].contribution == 0.8
    assert _with_contributions(_signal("enter_short", 0.5)).contributions[0].contribution == -0.5
    assert _with_contributions(_signal("exit", 1.0)).contributions[0].contribution == 0.0
