"""Readable text from an HTML mail body, for mails that come without a text/plain alternative."""

import contextlib
import re
from html.parser import HTMLParser

# Elements whose content is never shown as text.
_INVISIBLE = frozenset({"script", "style", "head", "title", "template", "noscript"})
# Elements that start a new line when rendered.
_BLOCK = frozenset(
    {
        "address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "footer", "h1", "h2", "h3",
        "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section", "table", "tr", "ul",
    }
)  # fmt: skip
_BLANKS = re.compile(r"[ \t\r\f\v\u00a0]+")
_MANY_NEWLINES = re.compile(r"\n\s*\n\s*\n+")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _INVISIBLE:
            self._hidden_depth += 1
        elif tag in _BLOCK:
            self.chunks.append("\n")
        elif tag == "td":
            self.chunks.append(" ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BLOCK:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BLOCK:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            # Line breaks in HTML source are just spaces; only block elements break lines.
            self.chunks.append(data.replace("\r", " ").replace("\n", " "))


def html_to_text(html: str) -> str:
    """Visible text of `html`, one line per block element, blank runs collapsed. Never raises."""
    collector = _TextCollector()
    # HTMLParser is tolerant, but a mail body can be anything: on an error keep what was read so far.
    with contextlib.suppress(Exception):
        collector.feed(html)
        collector.close()
    lines = (_BLANKS.sub(" ", line).strip() for line in "".join(collector.chunks).split("\n"))
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()
