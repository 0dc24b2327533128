"""Take the README's screenshots from a fresh demo: python scripts/screenshots.py [OUTPUT_DIR].

Builds the demo in a temporary data folder, serves it on a free port, signs in as the college's
admin in Debian's Chromium and saves a desktop and a phone view of the location list.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("BAOZHANG_CHROMIUM", "/usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - a local address
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer")


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "college-admin")
    page.fill("#id_password", "baozhang-demo")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def main() -> None:
    output = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
    output.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "BAOZHANG_DATA_DIR": data}
        env.pop("DATABASE_URL", None)
        command = [sys.executable, "-m", "baozhang.cli"]
        subprocess.run([*command, "demo", "--no-serve"], env=env, check=True, cwd=ROOT)  # noqa: S603
        server = subprocess.Popen(  # noqa: S603
            [*command, "serve", "--port", str(port), "--no-worker"], env=env, cwd=ROOT
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/accounts/login/")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
                )
                desktop = browser.new_page(viewport={"width": 1280, "height": 800})
                sign_in(desktop, base)
                desktop.goto(f"{base}/o/college/locations/?q=54")
                desktop.screenshot(path=output / "locations.png")
                phone = browser.new_context(
                    viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
                ).new_page()
                sign_in(phone, base)
                phone.goto(f"{base}/o/college/locations/?q=54")
                phone.screenshot(path=output / "phone.png")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"Screenshots written to {output}")


if __name__ == "__main__":
    main()
