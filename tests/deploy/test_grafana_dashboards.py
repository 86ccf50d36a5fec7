"""deploy/grafana: the dashboards are valid Grafana JSON whose queries use only metrics the
product exports, and the provisioning files point at them (SPEC OPS-3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy._product import (
    DEPLOY,
    NOT_EXPORTED_ALLOWED,
    product_metric_names,
    promql_metric_names,
    recording_rule_names,
)

GRAFANA = DEPLOY / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
DATASOURCE_UID = "ai-trader-prometheus"
LAYOUT_ONLY = {"row", "text"}


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, including those folded inside collapsed rows."""
    panels = []
    for panel in board["panels"]:
        panels.append(panel)
        panels.extend(panel.get("panels", []))
    return panels


def test_the_four_dashboards_exist() -> None:
    assert [path.stem for path in DASHBOARDS] == ["capital_staging", "main", "risk", "tca"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.stem)
def test_dashboard_is_grafana_json_with_unique_panel_ids(path: Path) -> None:
    board = _load(path)
    ids = [panel["id"] for panel in _panels(board)]

    assert board["uid"]
    assert board["title"]
    assert board["schemaVersion"] >= 36
    assert "ai-trader" in board["tags"]
    assert len(ids) == len(set(ids)), f"duplicate panel ids: {sorted(ids)}"
    assert all(isinstance(panel.get("gridPos"), dict) for panel in _panels(board))


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.stem)
def test_every_panel_queries_only_metrics_the_product_exports(path: Path) -> None:
    known = product_metric_names() | recording_rule_names() | set(NOT_EXPORTED_ALLOWED)
    problems = []
    for panel in _panels(_load(path)):
        if panel["type"] in LAYOUT_ONLY:
            continue
        exprs = [target.get("expr", "") for target in panel.get("targets", [])]
        if not any(expr.strip() for expr in exprs):
            problems.append(f"{panel['title']!r}: no PromQL target")
        for expr in exprs:
            used = promql_metric_names(expr)
            if not used:
                problems.append(f"{panel['title']!r}: {expr!r} selects no metric")
            if used - known:
                problems.append(f"{panel['title']!r}: unknown metrics {sorted(used - known)}")

    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.stem)
def test_every_query_uses_the_dashboard_datasource_variable(path: Path) -> None:
    board = _load(path)
    (variable,) = [v for v in board["templating"]["list"] if v["type"] == "datasource"]
    expected = {"type": "prometheus", "uid": "${" + variable["name"] + "}"}

    assert variable["query"] == "prometheus"
    assert variable["current"]["value"] == DATASOURCE_UID
    for panel in _panels(board):
        if panel["type"] in LAYOUT_ONLY:
            continue
        assert panel["datasource"] == expected, panel["title"]
        assert all(target["datasource"] == expected for target in panel["targets"])


def test_dashboard_uids_are_unique() -> None:
    uids = [_load(path)["uid"] for path in DASHBOARDS]

    assert len(uids) == len(set(uids))


def test_datasource_provisioning_defines_the_uid_the_dashboards_expect() -> None:
    config = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text(encoding="utf-8")
    )

    (datasource,) = config["datasources"]

    assert config["apiVersion"] == 1
    assert datasource["type"] == "prometheus"
    assert datasource["uid"] == DATASOURCE_UID
    assert datasource["url"].startswith("http")


def test_dashboard_provisioning_is_a_file_provider() -> None:
    config = yaml.safe_load(
        (GRAFANA / "provisioning" / "dashboards" / "ai-trader.yml").read_text(encoding="utf-8")
    )

    (provider,) = config["providers"]

    assert config["apiVersion"] == 1
    assert provider["type"] == "file"
    assert provider["options"]["path"]
