"""TradingMetrics: every runbook metric on a registry the caller owns (SPEC OPS-1)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import prometheus_client
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from ai_trader.core.clock import NANOS_PER_SECOND, TestClock
from ai_trader.observability import SloTracker, TradingMetrics
from ai_trader.observability.metrics import ORDER_STATUSES

METRIC_NAMES = (
    "ai_trader_orders_total",
    "ai_trader_order_latency_seconds",
    "ai_trader_slo_compliance_ratio",
    "ai_trader_slo_tier",
    "ai_trader_http_request_duration_seconds",
    "bot_running",
    "api_connected",
    "trading_halted",
    "last_heartbeat",
    "total_equity",
    "daily_pnl",
    "open_positions",
    "win_rate",
    "sharpe_ratio",
    "circuit_breaker_state",
    "backup_count",
    "last_backup_time",
)


def value(metrics: TradingMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


@pytest.fixture
def metrics() -> TradingMetrics:
    return TradingMetrics(CollectorRegistry())


def test_exposition_names_every_metric(metrics: TradingMetrics) -> None:
    body, content_type = metrics.exposition()

    text = body.decode()
    for name in METRIC_NAMES:
        assert f"# TYPE {name} " in text, name
    assert content_type == prometheus_client.CONTENT_TYPE_LATEST


def test_exposition_parses_as_prometheus_text(metrics: TradingMetrics) -> None:
    metrics.observe_order("filled", 0.2)

    families = {
        family.name for family in text_string_to_metric_families(metrics.exposition()[0].decode())
    }

    assert {"ai_trader_orders", "ai_trader_order_latency_seconds", "bot_running"} <= families


def test_order_statuses_are_initialised_to_zero(metrics: TradingMetrics) -> None:
    for status in ORDER_STATUSES:
        assert value(metrics, "ai_trader_orders_total", status=status) == 0.0


def test_observe_order_counts_and_observes_latency(metrics: TradingMetrics) -> None:
    metrics.observe_order("filled", 0.004)
    metrics.observe_order("filled", 3.0)
    metrics.observe_order("denied", None)

    assert value(metrics, "ai_trader_orders_total", status="filled") == 2.0
    assert value(metrics, "ai_trader_orders_total", status="denied") == 1.0
    assert value(metrics, "ai_trader_order_latency_seconds_count") == 2.0
    assert value(metrics, "ai_trader_order_latency_seconds_bucket", le="0.005") == 1.0
    assert value(metrics, "ai_trader_order_latency_seconds_bucket", le="2.0") == 1.0
    assert value(metrics, "ai_trader_order_latency_seconds_bucket", le="5.0") == 2.0


def test_observe_order_with_unknown_status_then_value_error(metrics: TradingMetrics) -> None:
    with pytest.raises(ValueError, match=r"unknown order status 'cancelled'.*canceled"):
        metrics.observe_order("cancelled", 0.1)


@pytest.mark.parametrize("latency", [-0.1, math.nan, math.inf])
def test_observe_order_with_bad_latency_then_value_error(
    metrics: TradingMetrics, latency: float
) -> None:
    with pytest.raises(ValueError, match="latency_seconds"):
        metrics.observe_order("filled", latency)
    assert value(metrics, "ai_trader_orders_total", status="filled") == 0.0


def test_latency_buckets_span_one_millisecond_to_five_seconds(metrics: TradingMetrics) -> None:
    text = metrics.exposition()[0].decode()

    assert 'ai_trader_order_latency_seconds_bucket{le="0.001"}' in text
    assert 'ai_trader_order_latency_seconds_bucket{le="5.0"}' in text


def test_set_portfolio_sets_gauges_and_none_as_nan(metrics: TradingMetrics) -> None:
    metrics.set_portfolio(
        equity=10_500.0, daily_pnl=-42.5, open_positions=3, win_rate=0.6, sharpe=1.2
    )
    assert value(metrics, "total_equity") == 10_500.0
    assert value(metrics, "daily_pnl") == -42.5
    assert value(metrics, "open_positions") == 3.0
    assert value(metrics, "win_rate") == 0.6
    assert value(metrics, "sharpe_ratio") == 1.2

    metrics.set_portfolio(equity=1.0, daily_pnl=0.0, open_positions=0, win_rate=None, sharpe=None)
    assert math.isnan(value(metrics, "win_rate") or 0.0)
    assert math.isnan(value(metrics, "sharpe_ratio") or 0.0)


def test_set_portfolio_with_win_rate_out_of_range_then_value_error(
    metrics: TradingMetrics,
) -> None:
    with pytest.raises(ValueError, match="win_rate"):
        metrics.set_portfolio(
            equity=1.0, daily_pnl=0.0, open_positions=0, win_rate=1.5, sharpe=None
        )


def test_state_gauges_follow_the_flags(metrics: TradingMetrics) -> None:
    metrics.set_running(True)
    metrics.set_api_connected(True)
    metrics.set_halted(True)
    metrics.heartbeat(1_700_000_000.5)
    assert value(metrics, "bot_running") == 1.0
    assert value(metrics, "api_connected") == 1.0
    assert value(metrics, "trading_halted") == 1.0
    assert value(metrics, "last_heartbeat") == 1_700_000_000.5

    metrics.set_running(False)
    metrics.set_api_connected(False)
    metrics.set_halted(False)
    assert value(metrics, "bot_running") == 0.0
    assert value(metrics, "api_connected") == 0.0
    assert value(metrics, "trading_halted") == 0.0


def test_circuit_breaker_states_map_to_numbers(metrics: TradingMetrics) -> None:
    metrics.set_circuit_breaker("venue", "closed")
    metrics.set_circuit_breaker("model", "half_open")
    metrics.set_circuit_breaker("data", "open")

    assert value(metrics, "circuit_breaker_state", breaker="venue") == 0.0
    assert value(metrics, "circuit_breaker_state", breaker="model") == 1.0
    assert value(metrics, "circuit_breaker_state", breaker="data") == 2.0
    with pytest.raises(ValueError, match="half_open"):
        metrics.set_circuit_breaker("venue", "ajar")  # type: ignore[arg-type]


def test_set_backups_exports_count_and_unix_seconds(metrics: TradingMetrics) -> None:
    metrics.set_backups(4, datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert value(metrics, "backup_count") == 4.0
    assert value(metrics, "last_backup_time") == 1_704_164_645.0

    metrics.set_backups(0, None)
    assert value(metrics, "last_backup_time") == 0.0
    with pytest.raises(ValueError, match="timezone-aware"):
        metrics.set_backups(1, datetime(2024, 1, 2))  # a naive datetime


def test_set_slo_exports_ratios_and_tier(metrics: TradingMetrics) -> None:
    clock = TestClock(start_ns=1_000 * NANOS_PER_SECOND)
    tracker = SloTracker(clock)
    for index in range(10):
        tracker.record_order(success=index != 0, latency_seconds=0.1)

    metrics.set_slo(tracker.report())

    assert value(metrics, "ai_trader_slo_compliance_ratio", slo="order_success") == 0.9
    assert value(metrics, "ai_trader_slo_compliance_ratio", slo="latency_under_2s") == 1.0
    no_samples = value(metrics, "ai_trader_slo_compliance_ratio", slo="executor_availability")
    assert no_samples is not None
    assert math.isnan(no_samples)
    assert value(metrics, "ai_trader_slo_tier") == 2.0


def test_slo_ratios_start_as_nan_and_tier_as_a(metrics: TradingMetrics) -> None:
    ratio = value(metrics, "ai_trader_slo_compliance_ratio", slo="order_success")
    assert ratio is not None
    assert math.isnan(ratio)
    assert value(metrics, "ai_trader_slo_tier") == 0.0


def test_observe_http_labels_method_route_and_status(metrics: TradingMetrics) -> None:
    metrics.observe_http("get", "/api/v1/status", 200, 0.003)
    metrics.observe_http("GET", "/api/v1/status", "200", 0.004)

    count = value(
        metrics,
        "ai_trader_http_request_duration_seconds_count",
        method="GET",
        route="/api/v1/status",
        status="200",
    )
    assert count == 2.0


def test_two_instances_on_two_registries_do_not_clash() -> None:
    first = TradingMetrics(CollectorRegistry())
    second = TradingMetrics(CollectorRegistry())

    first.observe_order("filled", 0.1)

    assert value(first, "ai_trader_orders_total", status="filled") == 1.0
    assert value(second, "ai_trader_orders_total", status="filled") == 0.0


def test_metrics_never_touch_the_global_registry() -> None:
    before = set(prometheus_client.REGISTRY._names_to_collectors)

    TradingMetrics(CollectorRegistry()).observe_order("submitted", None)

    assert set(prometheus_client.REGISTRY._names_to_collectors) == before
    assert prometheus_client.REGISTRY.get_sample_value("bot_running") is None


def test_the_same_registry_twice_then_duplicate_refused() -> None:
    registry = CollectorRegistry()
    TradingMetrics(registry)

    with pytest.raises(ValueError, match="Duplicated timeseries"):
        TradingMetrics(registry)
