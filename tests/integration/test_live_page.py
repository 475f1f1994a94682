"""The live page in a real headless Chromium while `dyad demo` serves: the seeds' pairs and
sectors are on it, the polling script runs, and the browser console has no errors."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from dyad.adapters.broker import free_port
from tests.integration.conftest import ROOT
from tests.integration.kafka_io import produce

# The shared seed articles sit beside the checkout when present; the demo corpus always runs.
SHARED_SEEDS = Path(
    os.environ.get("DYAD_SHARED_SEEDS", ROOT.parent / "shared" / "seeds" / "seeds.jsonl")
)


EVIL_TITLE = (
    'Iran and Syria <script>window.dyadPwned=1</script><img src=x onerror="window.dyadPwned=2">'
)
EVIL = orjson.dumps(
    {
        "id": "live-evil-1",
        "title": EVIL_TITLE,
        "body": "Iran and Syria agreed in Damascus on new oil and gas pipeline projects and "
        "on electricity exports, the energy ministers of both countries said on Tuesday.",
        "source": "<b>Outlet</b>",
    }
)


def _demo(seeds: Path, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DYAD_", "KAFKA_"))}
    env["PYTHONPATH"] = str(ROOT / "services")
    log = (tmp_path / "demo.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dyad", "demo", "--seeds", str(seeds), "--http-port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "demo.log").read_text()
            try:
                if b"serving" in (tmp_path / "demo.log").read_bytes():
                    break
            except OSError:
                pass
            time.sleep(0.3)
        else:
            raise AssertionError("dyad demo did not finish the seeds")
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "chromium and chromium-driver are needed: tools/ensure-sysdeps.sh"
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'chrome'}",
        "--window-size=1280,1500",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    b = webdriver.Chrome(options=opts, service=DriverService(executable_path=driver))
    yield b
    b.quit()


def _check_page(b: webdriver.Chrome, url: str) -> dict[str, Any]:
    stats = httpx.get(url + "/stats", timeout=5).json()
    b.get(url + "/")
    # the script replaces "now" with a clock time on load, and again after each poll
    WebDriverWait(b, 15).until(lambda d: d.find_element(By.ID, "updated").text not in ("", "now"))
    # the script has fetched api/live and rendered it at least once
    WebDriverWait(b, 15).until(
        lambda d: (
            d.find_element(By.TAG_NAME, "body").get_attribute("data-polls") not in (None, "", "0")
        )
    )
    heat = b.find_element(By.ID, "heatmap").text
    events = b.find_element(By.ID, "events").text
    for pair in stats["pairs"]:
        if pair != "none":
            assert pair in heat, f"{pair} missing from the heatmap"
    for sector in stats["sectors"]:
        if sector != "none":
            assert sector in heat, f"{sector} missing from the heatmap"
    errors = [e for e in b.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert not errors, errors
    return {"heat": heat, "events": events, "stats": stats}


def test_live_page_shows_the_demo_in_chromium(browser: webdriver.Chrome, tmp_path: Path) -> None:
    """The demo corpus, plus the shared seed articles when that folder is present."""
    seeds = tmp_path / "seeds.jsonl"
    corpus = (ROOT / "seeds" / "seeds.jsonl").read_bytes()
    shared = SHARED_SEEDS.read_bytes() if SHARED_SEEDS.exists() else b""
    seeds.write_bytes(corpus.rstrip(b"\n") + b"\n" + shared)
    for url, _ in _demo(seeds, tmp_path):
        seen = _check_page(browser, url)
        assert "IR-SY" in seen["heat"]
        shared_ids = [orjson.loads(x)["id"] for x in shared.splitlines() if x.strip()]
        titles = httpx.get(url + "/api/live", timeout=5).json()["events"]
        assert len(seen["stats"]["recent"]) > 0 and titles
        if shared_ids:
            assert seen["stats"]["counts"]["in"] == len(corpus.splitlines()) + len(shared_ids)
        assert "dead letters" in browser.find_element(By.ID, "cards").text
        assert browser.find_elements(By.CSS_SELECTOR, "#dead-reasons td")
        if os.environ.get("DYAD_SCREENSHOT"):
            browser.save_screenshot(os.environ["DYAD_SCREENSHOT"])
        _untrusted_markup_stays_text(browser, url, tmp_path)


def _untrusted_markup_stays_text(b: webdriver.Chrome, url: str, tmp_path: Path) -> None:
    """An article with markup arrives while the page is open: the script renders it as
    text; a reload renders it on the server as text too. Nothing runs, nothing loads."""
    bootstrap = re.search(r"tansu\) on (\S+)", (tmp_path / "demo.log").read_text()).group(1)
    produce(bootstrap, "articles.raw", [EVIL], keys=[b"live-evil-1"])
    for reload in (False, True):
        if reload:
            b.get(url + "/")
        WebDriverWait(b, 20).until(lambda d: EVIL_TITLE in d.find_element(By.ID, "events").text)
        events = b.find_element(By.ID, "events")
        assert not events.find_elements(By.TAG_NAME, "img")
        assert not events.find_elements(By.TAG_NAME, "script")
        assert "<b>Outlet</b>" in events.text
        assert b.execute_script("return window.dyadPwned === undefined")
        errors = [e for e in b.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        assert not errors, errors
