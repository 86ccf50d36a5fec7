"""What the deploy/ files may refer to: the product's metric names, and PromQL parsing.

The metric names come from the product itself: ``TradingMetrics`` and a ``RateGate`` are
built on a fresh ``CollectorRegistry`` and every sample name they can export is listed
(a labelled family with no children yet exports no samples, so the names are also derived
from each family's type, as the client library names them on the wire).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from prometheus_client import CollectorRegistry

from ai_trader.observability.metrics import TradingMetrics
from ai_trader.resilience.rate_gate import RateBudget, RateGate

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
RULES_DIR = DEPLOY / "prometheus" / "rules"
RULE_TESTS_DIR = DEPLOY / "prometheus" / "tests"

# Names a rule or panel may use although the product does not export them (yet).
NOT_EXPORTED_ALLOWED = {
    "up": "written by Prometheus itself for every scrape target",
    "rl_policy_last_update_time": "exported by the RL shadow policy of SPEC AI-4 (later issue)",
}

_SUFFIXES_BY_TYPE = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "gauge": ("",),
    "info": ("_info",),
    "stateset": ("",),
    "enum": ("",),
    "unknown": ("",),
}


def product_metric_names() -> set[str]:
    """Every sample name the product's collectors can export."""
    registry = CollectorRegistry()
    TradingMetrics(registry)
    RateGate({"paper": RateBudget(provider="paper", limit=10, window_seconds=1)}, registry=registry)
    names: set[str] = set()
    for family in registry.collect():
        names.update(family.name + suffix for suffix in _SUFFIXES_BY_TYPE[family.type])
        names.update(sample.name for sample in family.samples)
    return names


def rule_groups() -> list[tuple[Path, dict]]:
    """(file, group) for every rule group under deploy/prometheus/rules."""
    groups = []
    for path in sorted(RULES_DIR.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        groups.extend((path, group) for group in document["groups"])
    return groups


def recording_rule_names() -> set[str]:
    return {
        rule["record"] for _, group in rule_groups() for rule in group["rules"] if "record" in rule
    }


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_DURATIONS = re.compile(r"\b\d+(?:ms|s|m|h|d|w|y)\b")
_NUMBERS = re.compile(
    r"(?<![\w:.])(?:0x[0-9a-f]+|\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)", re.I
)
_IDENTIFIER = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_KEYWORDS = {
    "and",
    "or",
    "unless",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "offset",
    "inf",
    "nan",
}


def promql_metric_names(expr: str) -> set[str]:
    """The metric names an expression selects (functions, keywords and labels left out)."""
    text = _STRINGS.sub('""', expr)
    text = _MATCHERS.sub("{}", text)
    text = _RANGES.sub("[]", text)
    text = _GROUPING.sub(" ", text)
    text = _DURATIONS.sub(" ", text)
    text = _NUMBERS.sub(" ", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        name = match.group(0)
        is_function = re.match(r"\s*\(", text[match.end() :]) is not None
        if not is_function and name.lower() not in _KEYWORDS:
            names.add(name)
    return names
