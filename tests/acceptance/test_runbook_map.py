"""RUNBOOK.md's procedure map stays honest: every row names a test that exists, or says it
is outside the product (with what the product offers) or planned (with the issue); every
test of the procedures module is referenced; links and alert anchors resolve."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = ROOT / "RUNBOOK.md"
ROW = re.compile(r"^\| (S[0-4]-\d\d) \|(.*)\|\s*$")
TEST_NAME = re.compile(r"`(test_\w+)`")


def map_rows() -> list[tuple[str, list[str]]]:
    rows = []
    for line in RUNBOOK.read_text().splitlines():
        match = ROW.match(line)
        if match:
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", match.group(2))]
            rows.append((match.group(1), cells))
    return rows


def defined_tests() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        names.update(re.findall(r"^(?:async )?def (test_\w+)\(", path.read_text(), re.M))
    return names


def test_every_row_is_tested_outside_or_planned() -> None:
    rows = map_rows()
    assert len(rows) > 100, "the map lists the seeds' procedures"
    ids = [ident for ident, _ in rows]
    assert len(ids) == len(set(ids)), "IDs are unique"
    known = defined_tests()

    for ident, cells in rows:
        assert len(cells) == 3, f"{ident}: seed procedure | this system | test"
        verdict = cells[2]
        referenced = TEST_NAME.findall(verdict)
        if referenced:
            missing = [name for name in referenced if name not in known]
            assert not missing, f"{ident}: no such test {missing}"
        elif verdict.startswith("outside the product: "):
            assert len(verdict) > len("outside the product: ") + 5, f"{ident}: say what instead"
        else:
            assert re.match(r"planned \(issue: [^)]+\)", verdict), f"{ident}: {verdict!r}"


def test_every_procedure_test_is_in_the_map_under_its_id() -> None:
    source = (ROOT / "tests/acceptance/test_runbook_procedures.py").read_text()
    procedure_tests = set(re.findall(r"^def (test_S\d_\d\d\w*)\(", source, re.M))
    rows = map_rows()
    referenced = {name for _, cells in rows for name in TEST_NAME.findall(cells[2])}
    ids = {ident for ident, _ in rows}

    assert procedure_tests
    for name in procedure_tests:
        ident = "S{}-{}".format(*re.match(r"test_S(\d)_(\d\d)", name).groups())  # type: ignore[union-attr]
        assert ident in ids, f"{name}: no map row {ident}"
    assert procedure_tests - referenced == set()


def test_runbook_links_resolve() -> None:
    text = RUNBOOK.read_text()
    anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', text))
    anchors |= {
        re.sub(r"[^a-z0-9 -]", "", heading.lower()).strip().replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", text, re.M)
    }
    for target in re.findall(r"\]\(([^)]+)\)", text):
        path, _, anchor = target.partition("#")
        if path:
            assert (ROOT / path).exists(), f"broken link {target}"
        else:
            assert anchor in anchors, f"broken anchor #{anchor}"


def test_every_alert_runbook_anchor_exists() -> None:
    text = RUNBOOK.read_text()
    anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', text))
    wanted = set()
    for rules in (ROOT / "deploy/prometheus/rules").glob("*.yml"):
        for group in yaml.safe_load(rules.read_text())["groups"]:
            for rule in group["rules"]:
                runbook = rule.get("annotations", {}).get("runbook")
                if runbook:
                    wanted.add(runbook.partition("#")[2])

    assert wanted, "the alert rules point at runbook anchors"
    assert not wanted - anchors, f"missing anchors: {sorted(wanted - anchors)}"
