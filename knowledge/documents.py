"""Reading one file into sections: its text under the headings it sits below.

Markdown, plain text, HTML, PDF and DOCX go through LangChain's loaders and
header splitters, so that every section keeps its headings (`title > h2 > h3`):
a passage is retrieved and cited with the context that makes it mean something.
A file that cannot be read raises `UnreadableDocument` with a reason for the
ingestion report; it never aborts a run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import Any

SUPPORTED_SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"}
MAX_FILE_BYTES = 20 * 1024 * 1024
_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]


class UnreadableDocument(Exception):
    """The file is not a document we can read (corrupt, binary, empty, too large, unknown type)."""


@dataclass(frozen=True)
class Section:
    """Text under one heading path, e.g. ("Returns and refunds", "How refunds are paid")."""

    headings: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Document:
    """A readable file: its title (first heading, else the file name) and its sections in order."""

    title: str
    sections: list[Section]


def read_document(path: Path) -> Document:
    """Load `path` into sections; raises UnreadableDocument with a reason."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableDocument(f"unsupported file type {suffix or '(none)'}")
    size = path.stat().st_size
    if size == 0:
        raise UnreadableDocument("empty file")
    if size > MAX_FILE_BYTES:
        raise UnreadableDocument(f"too large ({size / 1e6:.0f} MB; the limit is {MAX_FILE_BYTES // 10**6} MB)")
    try:
        if suffix in (".md", ".markdown"):
            sections = _markdown_sections(_text_file(path))
        elif suffix == ".txt":
            sections = _markdown_sections(_plain_text_as_markdown(_text_file(path)))
        elif suffix in (".html", ".htm"):
            sections = _html_sections(path)
        elif suffix == ".pdf":
            sections = _pdf_sections(path)
        else:
            sections = _markdown_sections(_docx_as_markdown(path))
    except UnreadableDocument:
        raise
    except Exception as error:  # a corrupt PDF or DOCX: report it, never abort the run
        raise UnreadableDocument(f"cannot be read as {suffix[1:].upper()}: {type(error).__name__}") from error
    sections = [s for s in sections if s.text.strip()]
    if not sections:
        raise UnreadableDocument("no text in it")
    title = next((s.headings[0] for s in sections if s.headings), _title_from_name(path))
    return Document(title, sections)


def _title_from_name(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize()


def _text_file(path: Path) -> str:
    """The file as text; binary content (a renamed image or archive) is refused, not indexed as noise."""
    from langchain_community.document_loaders import TextLoader

    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise UnreadableDocument("binary content, not text")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableDocument("not UTF-8 text") from error
    return "\n".join(doc.page_content for doc in TextLoader(str(path), encoding="utf-8").load())


def _markdown_sections(text: str) -> list[Section]:
    from langchain_text_splitters import MarkdownHeaderTextSplitter

    if re.search(r"<(table|tr|td|th|p|br|div|span|ul|li|b|i|a)\b", text, re.IGNORECASE):
        text = _inline_html_as_text(text)
    text = _markdown_tables_as_lines(text)
    splitter = MarkdownHeaderTextSplitter(headers_to_split_on=_HEADERS, strip_headers=True)
    sections = []
    for doc in splitter.split_text(text):
        headings = tuple(doc.metadata[key] for _, key in _HEADERS if doc.metadata.get(key))
        sections.append(Section(headings, doc.page_content.strip()))
    return sections


def _inline_html_as_text(text: str) -> str:
    """HTML inside Markdown (tables, mostly): each table row becomes one fact (`_rows_as_facts`)."""
    from bs4 import BeautifulSoup

    def table_as_text(match: re.Match[str]) -> str:
        return (
            "\n\n"
            + "\n\n".join(_rows_as_facts(_html_table_rows(BeautifulSoup(match.group(0), "html.parser"))))
            + "\n\n"
        )

    text = re.sub(r"(?is)<table\b.*?</table>", table_as_text, text)
    text = re.sub(r"(?i)<br\s*/?>", "\n", text)
    return re.sub(r"(?s)<[^>\n]{1,200}>", "", text)


def _html_table_rows(table: Any) -> list[list[str]]:
    return [
        [" ".join(cell.get_text(" ", strip=True).split()) for cell in row.find_all(["td", "th"])]
        for row in table.find_all("tr")
    ]


def _rows_as_facts(rows: list[list[str]]) -> list[str]:
    """Each body row as one sentence naming its values by the header: one row, one fact.

    `| Month | Mid-month payday |` over `| January | Thu 15 Jan |` becomes
    "Month: January; Mid-month payday: Thu 15 Jan." — a row that can be retrieved and
    quoted alone, where "January — Thu 15 Jan" would mean nothing without its header.
    """
    rows = [row for row in rows if any(row)]
    if len(rows) < 2 or len(rows[0]) < 2:
        return [" — ".join(cell for cell in row if cell) for row in rows]
    header, body = rows[0], rows[1:]
    facts = []
    for row in body:
        named = [
            f"{name}: {value}" if name else value for name, value in zip_longest(header, row, fillvalue="") if value
        ]
        facts.append("; ".join(named).rstrip(".") + ".")
    return facts


def _markdown_tables_as_lines(text: str) -> str:
    """Markdown tables as facts, one paragraph per row (`_rows_as_facts`); the `|---|` rule goes."""
    out: list[str] = []
    table: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|"):
            cells = [cell.strip() for cell in stripped.strip("|").split("|")]
            if not all(re.fullmatch(r":?-{2,}:?", cell) for cell in cells if cell):
                table.append(cells)
            continue
        if table:
            out += ["", *"\n\n".join(_rows_as_facts(table)).split("\n"), ""]
            table = []
        out.append(line)
    return "\n".join(out[:-1])


def _plain_text_as_markdown(text: str) -> str:
    """Plain text: a short line in capitals (or underlined with === / ---) is a heading."""
    lines = text.splitlines()
    out: list[str] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        underline = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if re.fullmatch(r"[=\-]{3,}", stripped):
            continue
        if stripped and re.fullmatch(r"[=]{3,}", underline):
            out.append(f"# {stripped}")
        elif stripped and re.fullmatch(r"[-]{3,}", underline):
            out.append(f"## {stripped}")
        elif 2 < len(stripped) <= 80 and stripped.isupper() and re.search(r"[A-Z]{2}", stripped):
            out.append(f"## {stripped.title()}")
        else:
            out.append(line)
    if out and not out[0].startswith("#"):
        first = next((line for line in out if line.strip()), "")
        if first.startswith("##"):
            out[out.index(first)] = first[1:]  # the first heading is the title
    return "\n".join(out)


def _html_sections(path: Path) -> list[Section]:
    from bs4 import BeautifulSoup
    from langchain_community.document_loaders import BSHTMLLoader

    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise UnreadableDocument("binary content, not HTML")
    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "nav", "footer"]):
        tag.decompose()
    for table in soup.find_all("table"):
        facts = soup.new_tag("div")
        for fact in _rows_as_facts(_html_table_rows(table)):
            paragraph = soup.new_tag("p")
            paragraph.string = fact
            facts.append(paragraph)
        table.replace_with(facts)
    parts: list[str] = []
    for element in soup.find_all(["h1", "h2", "h3", "h4", "p", "li", "td", "th", "pre", "blockquote"]):
        text = " ".join(element.get_text(" ", strip=True).split())
        if not text:
            continue
        if element.name in ("h1", "h2", "h3", "h4"):
            parts.append(f"{'#' * int(element.name[1])} {text}")
        elif element.name == "li":
            parts.append(f"- {text}")
        else:
            parts.append(text)
    if not parts:  # no structure at all: the loader's plain text
        parts = [doc.page_content for doc in BSHTMLLoader(str(path), open_encoding="utf-8").load()]
    return _markdown_sections("\n\n".join(parts))


def _pdf_sections(path: Path) -> list[Section]:
    from langchain_community.document_loaders import PyPDFLoader

    pages = PyPDFLoader(str(path)).load()
    return [Section((), page.page_content.strip()) for page in pages]


def _docx_as_markdown(path: Path) -> str:
    """DOCX paragraphs with their heading styles as Markdown headings (docx2txt would lose them)."""
    import docx

    lines = []
    for paragraph in docx.Document(str(path)).paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name or "") if paragraph.style is not None else ""
        level = {"Title": 1, "Heading 1": 1, "Heading 2": 2, "Heading 3": 3, "Heading 4": 4}.get(style)
        lines.append(f"{'#' * level} {text}" if level else text)
    return "\n\n".join(lines)
