"""What a new user sees right after ``make run``: the service at its default pace (one bar
a minute), the dashboard opened from the sign-in link before the first bar."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.acceptance.conftest import cli_environment
from tests.browser.conftest import ConsoleErrors, save_screenshot
from tests.support.running_service import RunningService, running_service

pytestmark = pytest.mark.acceptance


@pytest.fixture(scope="module")
def fresh_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    directory = tmp_path_factory.mktemp("first-start")
    with running_service(directory, cli_environment(), bar_seconds=None) as running:
        yield running


def test_dashboard_right_after_the_first_start(
    page: Page, fresh_service: RunningService, console_errors: ConsoleErrors
) -> None:
    page.goto(f"{fresh_service.url}/#token={fresh_service.token}")

    expect(page.locator("#board")).to_be_visible()
    expect(page.locator("#equity")).to_have_text("100,000.00")
    expect(page.locator("#mode")).to_have_text("paper")
    expect(page.locator("#connection-text")).to_have_text("live")
    expect(page.locator("#equity-chart")).to_contain_text("waiting for bars (one every 60 s)")
    expect(page.locator("#positions tbody")).to_contain_text("flat")
    expect(page.locator("#news")).to_contain_text("no news ingested yet")
    save_screenshot(page, "dashboard-first-start")
    assert console_errors == []
