"""A real browser for the portal tests: Debian's chromium driven by Playwright's own driver.

Never a browser download: Playwright is given the chromium that apt installs
(`executable_path`). When chromium is missing, it is installed with apt-get if this process may
(root and apt-get present); otherwise the test fails with the command to run, never a skip.
Chromium refuses its sandbox as root, so as root it runs with --no-sandbox (a normal user keeps
the sandbox). Screenshots go to .benchsight/screenshots/ (git-ignored), one or more per test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from benchsight.config import REPO_ROOT

SCREENSHOTS = REPO_ROOT / ".benchsight" / "screenshots"
NAMES = ("chromium", "chromium-browser")
HOW = (
    "the portal's browser tests need Debian's chromium: run `sudo apt-get install -y chromium`"
    " (or set BENCHSIGHT_CHROMIUM=/path/to/chromium)"
)


def _found() -> str | None:
    configured = os.environ.get("BENCHSIGHT_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return next((p for p in map(shutil.which, NAMES) if p), None)


def chromium_path() -> str:
    """The chromium binary; installed with apt-get when missing and this process may."""
    found = _found()
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.fail(f"chromium was not found; {HOW}", pytrace=False)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "install", "-y", "-q", "chromium"], ["apt-get", "update", "-q"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if command[1] == "update":
            done = subprocess.run(
                ["apt-get", "install", "-y", "-q", "chromium"],
                env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
        if done.returncode == 0 and _found():
            return _found()  # type: ignore[return-value]
    pytest.fail(
        f"chromium could not be installed with apt-get ({done.stderr.strip()[-300:]}); {HOW}"
    )


@contextmanager
def browser() -> Iterator[object]:
    """A headless chromium (Playwright's Browser); closed on exit."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            # A container's /dev/shm is often 64 MB, too small for chromium's renderers.
            args=[*args, "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            yield launched
        finally:
            launched.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
