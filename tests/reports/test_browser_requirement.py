"""Without chromium the browser tests fail under CI (which installs it) and skip elsewhere."""

from __future__ import annotations

import pytest

from tests.reports import browser


@pytest.fixture
def no_chromium(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "DEBIAN_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("PATH", "/nonexistent")


@pytest.mark.usefixtures("no_chromium")
def test_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must have it"):
        browser.chromium_or_skip()


@pytest.mark.usefixtures("no_chromium")
def test_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        browser.chromium_or_skip()
