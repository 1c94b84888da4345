"""How fast the chat widget shows up and answers, and how much it weighs: measured in a real browser.

Headless Debian Chromium (Playwright, `executable_path`) opens the demo website of the
running stack (started, and stopped afterwards, if it is not up) in a fresh browser
context per run, so nothing is cached:

- widget first paint: from navigation start to the second animation frame after the
  widget put its launcher on the page (`performance.mark("northwind-chat:ready")`),
  i.e. once that frame has been painted;
- time to first bot reply: from submitting "hello" in a just-opened widget to the
  reply on screen (the socket connects when the widget opens: a first visit pays it);
- transferred size: the gzipped bodies of widget.js and widget.css as the browser
  received them (Resource Timing `encodedBodySize`), the socket.io client apart.

    .venv/bin/python scripts/bench_widget.py [--runs N]     (`make bench-widget`)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
from bench import log, our_stack  # the same "use the running stack or start it" as `make bench`

from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
TARGET_WIDGET_GZIP_BYTES = 60_000
REPLY_TIMEOUT_MS = 30_000
RESULTS = ROOT / "var" / "bench" / "widget.json"

# Before the page's own scripts: the first frame after the widget's "ready" mark is its first paint.
FIRST_PAINT_INIT = """new PerformanceObserver(list => {
  if (list.getEntries().some(entry => entry.name === "northwind-chat:ready"))
    requestAnimationFrame(() => requestAnimationFrame(() => { window.__nwFirstPaint = performance.now(); }));
}).observe({ type: "mark" });"""
# Resolves with the milliseconds from the form's submit to the first bot message added to the log.
WAIT_FOR_REPLY_JS = """() => { window.__reply = new Promise(resolve => {
  let start = null;
  document.querySelector("#nw-chat .nw-form").addEventListener("submit", () => { start = performance.now(); },
    { capture: true, once: true });
  new MutationObserver((records, observer) => {
    for (const record of records) for (const node of record.addedNodes) {
      if (start !== null && node.classList && node.classList.contains("nw-bot")) {
        observer.disconnect();
        requestAnimationFrame(() => resolve(performance.now() - start));
        return;
      }
    }
  }).observe(document.querySelector("#nw-chat .nw-log"), { childList: true });
}); }"""
SIZES_JS = """() => performance.getEntriesByType("resource")
  .filter(entry => entry.name.includes("/widget/"))
  .map(entry => ({ name: new URL(entry.name).pathname, encoded: entry.encodedBodySize,
                   decoded: entry.decodedBodySize }))"""


def one_run(browser: Browser, url: str) -> dict[str, Any]:
    """One first visit: paint time, reply time and the bytes of the widget's files."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.add_init_script(FIRST_PAINT_INIT)
        page.goto(url)
        page.locator("#nw-chat .nw-launcher").wait_for()
        page.wait_for_function("window.__nwFirstPaint !== undefined")
        first_paint = page.evaluate("window.__nwFirstPaint")
        page_fcp = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null")
        page.locator("#nw-chat .nw-launcher").click()
        page.locator("#nw-chat .nw-log .nw-greeting").wait_for(timeout=REPLY_TIMEOUT_MS)  # connected, session confirmed
        page.evaluate(WAIT_FOR_REPLY_JS)
        page.locator("#nw-input").fill("hello")
        page.locator("#nw-input").press("Enter")
        reply_ms = page.evaluate("window.__reply")
        sizes = page.evaluate(SIZES_JS)
        return {"first_paint_ms": first_paint, "page_fcp_ms": page_fcp, "first_reply_ms": reply_ms, "files": sizes}
    finally:
        context.close()


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def median(key: str) -> float:
        return round(statistics.median(run[key] for run in runs), 1)

    files = {entry["name"]: entry for entry in runs[0]["files"]}
    widget = sum(e["encoded"] for name, e in files.items() if not name.endswith("socket.io.min.js"))
    client = sum(e["encoded"] for name, e in files.items() if name.endswith("socket.io.min.js"))
    return {
        "runs": len(runs),
        "widget_first_paint_ms_median": median("first_paint_ms"),
        "page_first_contentful_paint_ms_median": median("page_fcp_ms"),
        "first_bot_reply_ms_median": median("first_reply_ms"),
        "first_bot_reply_ms_max": round(max(run["first_reply_ms"] for run in runs), 1),
        "widget_gzip_bytes": widget,
        "socketio_client_gzip_bytes": client,
        "files": files,
    }


def report(summary: dict[str, Any]) -> None:
    verdict = "met" if summary["widget_gzip_bytes"] <= TARGET_WIDGET_GZIP_BYTES else "MISSED"
    print(f"\nWidget on localhost, {summary['runs']} first visits (median):")
    print(f"  widget first paint        {summary['widget_first_paint_ms_median']:>8.1f} ms after navigation start")
    print(f"  page first contentful     {summary['page_first_contentful_paint_ms_median']:>8.1f} ms")
    print(
        f"  first bot reply           {summary['first_bot_reply_ms_median']:>8.1f} ms after sending"
        f" (max {summary['first_bot_reply_ms_max']:.1f})"
    )
    print(
        f"  widget.js + widget.css    {summary['widget_gzip_bytes'] / 1000:>8.1f} kB gzipped"
        f" (target ≤ {TARGET_WIDGET_GZIP_BYTES / 1000:.0f} kB: {verdict})"
    )
    print(f"  socket.io client          {summary['socketio_client_gzip_bytes'] / 1000:>8.1f} kB gzipped (not counted)")
    print(f"\nWritten to {RESULTS.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="first visits to measure (default 5)")
    options = parser.parse_args(argv)
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"No Chromium at {CHROMIUM}: `apt-get install -y chromium`.")
    settings = Settings()
    with our_stack(settings), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            one_run(browser, f"{settings.public_url}/")  # warm-up: the first message warms Rasa's graph
            runs = []
            for index in range(options.runs):
                runs.append(one_run(browser, f"{settings.public_url}/"))
                log(f"run {index + 1}: reply {runs[-1]['first_reply_ms']:.0f} ms")
        finally:
            browser.close()
    summary = summarise(runs)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2))
    report(summary)


if __name__ == "__main__":
    main()
