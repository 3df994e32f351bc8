"""Open every page of the built book in headless Chromium, as a reader without network would.

For each page, Chromium runs the page's scripts (MathJax included) and this script checks the
resulting DOM: formulas rendered (MathJax output present, no raw ``\\(`` left), every image
loaded (``naturalWidth > 0``, measured in the browser), no traceback or warning text, no
absolute local path, no broken internal link or anchor. It saves a screenshot of each page under
``_build/screenshots/``. Exit status 0 when every page passes, 1 otherwise, 2 without Chromium.

    python tools/browser_check.py [_build/html] [--pages book/ledger.html ...]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--proxy-server=127.0.0.1:9"]  # an unreachable proxy: the page gets no network, as offline readers
SKIPPED = {"genindex.html", "search.html", "index.html"}  # Sphinx's own pages and the redirect
LOCAL_PATH = re.compile(r"(?<![\w.])/(work|root|home|tmp)/")
TROUBLE = re.compile(r"Traceback \(most recent call last\)|\b\w+(Warning|Error): ")
# Injected into a temporary copy of the page: the browser itself reports images that failed.
PROBE = ("<script>window.addEventListener('load', () => setTimeout(() => {"
         "const bad = [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src);"
         "document.body.setAttribute('data-broken-images', JSON.stringify(bad));}, 500));</script>")


def browser() -> str | None:
    for name in BROWSERS:
        if path := shutil.which(name):
            return path
    return None


@dataclass
class Page:
    """What the parser keeps of a rendered page."""

    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    math_rendered: int = 0


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.page, self._skip = Page(), 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.page.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.page.links.append(a["href"])
        if tag == "mjx-container":
            self.page.math_rendered += 1
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.page.text.append(data)


def parse(html: str) -> Page:
    parser = _Parser()
    parser.feed(html)
    return parser.page


def render(chromium: str, page: Path, profile: Path, screenshot: Path | None) -> str:
    """The page's DOM after its scripts ran (and optionally a screenshot), read from a probed copy."""
    probe = page.with_name(f".browser-check-{page.name}")
    probe.write_text(page.read_text().replace("</body>", PROBE + "</body>", 1))
    try:
        common = [chromium, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=15000"]
        dom = subprocess.run([*common, "--dump-dom", probe.as_uri()], capture_output=True, text=True,
                             timeout=120).stdout
        if screenshot is not None:
            subprocess.run([*common, "--window-size=1280,2400", f"--screenshot={screenshot}", page.as_uri()],
                           capture_output=True, timeout=120)
        return dom
    finally:
        probe.unlink(missing_ok=True)


def check_page(html_dir: Path, page: Path, dom: str, source: str) -> list[str]:
    """Every problem a reader would meet on this page (empty when it is fine)."""
    problems = []
    rendered = parse(dom)
    text = " ".join(rendered.text)
    if not dom.strip():
        return ["the browser returned no DOM"]
    if 'class="math' in source and not rendered.math_rendered:
        problems.append("math not rendered (no MathJax output)")
    if "\\(" in text or "\\[" in text:
        problems.append("raw LaTeX left in the text")
    broken = re.search(r'data-broken-images="([^"]*)"', dom)
    if broken is None:
        problems.append("image probe did not run")
    elif broken.group(1) not in ("[]", "[&quot;&quot;]"):
        problems.append(f"broken images: {broken.group(1).replace('&quot;', '')}")
    if m := TROUBLE.search(text):
        problems.append(f"traceback or warning text: {text[max(0, m.start() - 40):m.end() + 60]!r}")
    if m := LOCAL_PATH.search(text) or LOCAL_PATH.search(re.sub(r"file://[^\"' ]+", "", dom)):
        problems.append(f"local path: {m.string[max(0, m.start() - 40):m.end() + 40]!r}")
    problems += broken_links(html_dir, page, rendered.links)
    return problems


def broken_links(html_dir: Path, page: Path, links: list[str]) -> list[str]:
    problems = []
    for href in links:
        url = urlsplit(href)
        if url.scheme in ("http", "https", "mailto") or href.startswith("javascript:"):
            continue
        if url.scheme == "file":
            problems.append(f"link to a local file: {href}")
            continue
        target = (page.parent / unquote(url.path)).resolve() if url.path else page
        if not target.exists():
            problems.append(f"broken link: {href}")
        elif url.fragment and target.suffix == ".html":
            if url.fragment not in parse(target.read_text()).ids:
                problems.append(f"broken anchor: {href}")
    return problems


def pages(html_dir: Path) -> list[Path]:
    return sorted(p for p in html_dir.rglob("*.html")
                  if not any(part.startswith(("_", ".")) for part in p.relative_to(html_dir).parts)
                  and p.relative_to(html_dir).as_posix() not in SKIPPED)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("html_dir", nargs="?", type=Path, default=REPO_ROOT / "_build" / "html")
    ap.add_argument("--pages", nargs="*", help="only these pages (paths relative to html_dir)")
    ap.add_argument("--screenshots", type=Path, default=REPO_ROOT / "_build" / "screenshots")
    args = ap.parse_args(argv)
    args.html_dir = args.html_dir.resolve()  # Chromium opens pages by file URI, which must be absolute
    chromium = browser()
    if chromium is None:
        print("error: no Chromium found (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    if not (args.html_dir / "book").is_dir():
        print(f"error: no built book in {args.html_dir} (run `make book` first)", file=sys.stderr)
        return 2
    selected = [args.html_dir / p for p in args.pages] if args.pages else pages(args.html_dir)
    args.screenshots.mkdir(parents=True, exist_ok=True)
    failed = 0
    for page in selected:
        rel = page.relative_to(args.html_dir).as_posix()
        shot = args.screenshots / (rel.replace("/", "_").removesuffix(".html") + ".png")
        with tempfile.TemporaryDirectory(prefix="nasmeta-chromium-") as profile:
            dom = render(chromium, page, Path(profile), shot)
        problems = check_page(args.html_dir, page, dom, page.read_text())
        failed += bool(problems)
        print(f"{'ok  ' if not problems else 'FAIL'} {rel}" + "".join(f"\n     - {p}" for p in problems))
    print(f"{len(selected) - failed}/{len(selected)} pages pass; screenshots in {args.screenshots}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
