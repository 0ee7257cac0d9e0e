"""HTML article pages: the article's text and metadata, without the page around it.

A saved news page is mostly not the article: navigation, cookie banners, sidebars of "most read"
links, newsletter boxes and footers. trafilatura (Barbaresi, 2021, "Trafilatura: A Web Scraping
Library and Command-Line Tool for Text Discovery and Extraction", ACL demos) finds the main
content and reads the metadata (title, author, date, site name, canonical URL) from meta tags,
JSON-LD and the page itself; its date comes from htmldate.

The extracted content is a small tree of blocks (paragraphs, headings, list items, table rows,
quotes). Each block becomes one paragraph of ``Article.text``, blocks separated by a blank line,
so the segmenter makes one paragraph per HTML block; a ``<br>`` inside a block stays a single line
break. The text then goes through the plain-text reader with the page's metadata, which drops a
heading that repeats the title, reads a byline/date line left at the top, and detects the
language: HTML and plain text end up following the same rules.

Before extraction, elements that are never the article are removed (``nav``, ``aside``, the page
``footer``, scripts, cookie and consent banners): trafilatura leaves them out of the main text,
but on a page with no main text its fallbacks would return them, and "Home | World" would pass
for an article.

Bytes are decoded by :func:`slant.text.decode`, whose declared encoding is the charset the
transport gives (the HTTP header of a WARC record), else the one the page declares
(``<meta charset>``, the ``http-equiv`` Content-Type, an XML prolog). Broken markup is parsed
leniently by lxml: a page cut off mid-tag still gives the text before the cut; a page with no
article text is refused with one line ("no article text found in HTML"), never a traceback.

trafilatura is imported on first use: it pulls in lxml, htmldate and courlan, which would slow
down every start of slant that never sees HTML.
"""

from __future__ import annotations

import re
from copy import deepcopy
from functools import lru_cache
from pathlib import Path

from ..article import Article, Meta
from ..dates import parse_date
from ..errors import InputError
from ..text import decode
from .plain import parse_plain

NO_TEXT = "no article text found in HTML"

# Charset declarations in the first few kB of a page: <meta charset="x"> and
# <meta http-equiv="Content-Type" content="text/html; charset=x">; also the XML prolog of XHTML.
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_XML_PROLOG = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# Page furniture that is never the article: navigation, sidebars, the page footer, scripts, and
# cookie / consent banners (found by their id or class, as they have no element of their own).
# Not <form>: ASP.NET pages wrap the whole page, article included, in one.
_LOWER = "translate({}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_FURNITURE = " | ".join(
    ["//nav", "//aside", "//footer[not(ancestor::article)]", "//script", "//style", "//noscript"]
    + [
        # Never a page wrapper that merely says a banner is showing (<body class="cookie-shown">).
        f"//*[contains({_LOWER.format(attr)}, '{word}')]"
        "[not(self::html or self::body or self::main or self::article)][not(.//article or .//h1)]"
        for attr in ("@id", "@class")
        for word in ("cookie", "consent")
    ]
)
_HAS_ROOT = re.compile(r"<(?:html|body)\b", re.I)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# trafilatura's output tree has its own small XML vocabulary, not HTML: containers hold blocks,
# blocks hold inline text (hi, ref, del, ...), <lb/> is a line break, table cells sit in rows.
_CONTAINERS = {"body", "div", "section", "list", "quote", "table"}
_BLOCKS = {"p", "head", "item", "row", "code"}
_CELL_SEP = " | "
_LB = "\ue000"  # a private-use character standing for <lb/> until the block's spaces are collapsed


def read(path: Path, data: bytes, source: str, meta: Meta | None = None):
    yield parse_html(data, source=source, meta=meta)


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares for itself in its first 4 kB, or None."""
    head = data[:4096]
    m = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii").lower() if m else None


def parse_html(
    html: str | bytes,
    source: str = "<html>",
    meta: Meta | None = None,
    url: str | None = None,
    *,
    encoding: str | None = None,
    fallback_date: str | None = None,
) -> Article:
    """Article of an HTML page: main text as blank-line-separated blocks, and the page metadata.

    ``encoding`` is a charset declared outside the page (an HTTP header), preferred to the page's
    own declaration; ``url`` is where the page was fetched (kept over the page's canonical URL);
    ``fallback_date`` (ISO) is used when the page itself gives no date (a crawl's fetch date).
    Raises ``InputError`` when the page holds no article text.
    """
    if isinstance(html, bytes):
        html = decode(html, source, declared=encoding or declared_charset(html))
    # lxml refuses a str that still carries an XML encoding declaration; the text is decoded.
    html = _XML_PROLOG.sub("", html, count=1)
    if not html.strip():
        raise InputError(source, "empty file")

    if not _HAS_ROOT.search(html[:4096]):
        html = f"<html><body>{html}</body></html>"  # a fragment: give lxml a page to parse

    tree = _page_tree(html)
    if tree is None:
        raise InputError(source, NO_TEXT)
    doc, blocks = _extract(tree, url, _config(short_pages=False))
    if len(blocks) <= 1:
        # trafilatura hands pages whose main text is under its minimum size (short items, pages
        # cut off early) to fallback extractors that flatten the article into one block; asked
        # to accept short text, its main extractor keeps the block structure.
        short_doc, short_blocks = _extract(tree, url, _config(short_pages=True))
        if len(short_blocks) > len(blocks):
            doc, blocks = short_doc, short_blocks
    if not blocks:
        blocks = _baseline_blocks(tree)
    if doc is None:
        doc = _metadata(tree, url)
    raw = "\n\n".join(blocks)

    meta = meta or Meta()
    if doc is not None:
        meta.title = meta.title or _clean(doc.title)
        meta.byline = meta.byline or _clean(doc.author)
        meta.source = meta.source or _clean(doc.sitename)
        meta.url = meta.url or url or _clean(doc.url)
        meta.date = meta.date or _iso_date(doc.date)
    else:
        meta.url = meta.url or url
    meta.input_format = meta.input_format or "html"

    try:
        art = parse_plain(raw, source=source, meta=meta)
    except InputError:
        # Nothing left, or only markup debris: say what failed in HTML terms.
        raise InputError(source, NO_TEXT) from None
    if art.meta.date is None and fallback_date:
        art.meta.date = _iso_date(fallback_date)
    return art


def _page_tree(html: str):
    """The page parsed by lxml (as trafilatura loads it), with page furniture removed, or None.

    trafilatura leaves navigation and cookie banners out of the main text, but when a page has no
    main text (cut off before the article, or no article at all) its fallbacks take whatever text
    there is, and "Home | World | Sport" would come back as an article. Elements that are never
    the article are removed first, so such a page has no text and is refused.
    """
    from trafilatura.utils import load_html

    try:
        tree = load_html(html)
    except Exception:  # noqa: BLE001 - third-party parser on untrusted markup
        return None
    if tree is None:
        return None
    for elem in tree.xpath(_FURNITURE):
        parent = elem.getparent()
        if parent is not None:
            elem.drop_tree()  # keeps the element's tail text, which belongs to its parent
    return tree


def _extract(tree, url: str | None, config) -> tuple[object | None, list[str]]:
    """trafilatura's Document for the page (main content and metadata) and its text blocks."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            deepcopy(tree),  # trafilatura prunes the tree it is given
            url=url,
            with_metadata=True,
            include_comments=False,  # reader comments are not the article
            include_tables=True,
            include_images=False,
            include_links=False,
            deduplicate=False,
            config=config,
        )
    except Exception:  # noqa: BLE001 - third-party parser on untrusted markup
        # lxml and trafilatura raise assorted errors on markup they cannot make a tree of; the
        # baseline extractor still tries, and if nothing is found the user gets NO_TEXT.
        return None, []
    if doc is None or doc.body is None:
        return doc, []
    return doc, _blocks(doc.body)


@lru_cache(maxsize=2)
def _config(short_pages: bool):
    """trafilatura settings: its defaults, or with the minimum main-text size lowered."""
    from trafilatura.settings import use_config

    config = use_config()
    if short_pages:
        config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    return config


def _blocks(elem) -> list[str]:
    """Text of each block of trafilatura's content tree, in document order.

    A container (body, list, quote, table, ...) or an element holding block children is walked;
    runs of inline content between its blocks make one block each. Anything else is one block.
    """
    if not _holds_blocks(elem):
        text = _inline_text(elem)
        return [text] if text else []
    out: list[str] = []
    run: list[str] = [elem.text or ""]  # inline content waiting to be closed as a block

    def flush() -> None:
        text = _collapse("".join(run))
        if text:
            out.append(text)
        run.clear()

    for child in elem:
        if child.tag in _CONTAINERS or child.tag in _BLOCKS:
            flush()
            out.extend(_blocks(child))
        elif child.tag == "lb":
            run.append(_LB)
        else:
            run.append(_inline_text(child, final=False))
        run.append(child.tail or "")
    flush()
    return out


def _holds_blocks(elem) -> bool:
    return elem.tag in _CONTAINERS or any(c.tag in _CONTAINERS or c.tag in _BLOCKS for c in elem)


def _inline_text(elem, final: bool = True) -> str:
    """Text of an element with its inline children; ``<lb/>`` is a line break, cells are joined."""
    parts: list[str] = [elem.text or ""]
    first_cell = True
    for child in elem:
        if child.tag == "lb":
            parts.append(_LB)
        elif child.tag == "cell":
            if not first_cell:
                parts.append(_CELL_SEP)
            first_cell = False
            parts.append(_inline_text(child, final=False))
        elif child.tag != "graphic":
            parts.append(_inline_text(child, final=False))
        parts.append(child.tail or "")
    text = "".join(parts)
    return _collapse(text) if final else text


def _collapse(text: str) -> str:
    """Inside a block, source line breaks are layout, not structure: whitespace runs become one
    space, and only ``<lb/>`` (marked ``_LB`` while the block is built) breaks a line."""
    lines = (" ".join(line.split()) for line in text.split(_LB))
    return "\n".join(lines).strip()


def _metadata(tree, url: str | None):
    """Page metadata alone, for pages the extractor returned nothing for."""
    from trafilatura.metadata import extract_metadata

    try:
        return extract_metadata(deepcopy(tree), default_url=url)
    except Exception:  # noqa: BLE001 - as in _extract
        return None


def _baseline_blocks(tree) -> list[str]:
    """Blocks of trafilatura's baseline extractor (every paragraph of the page), for pages the
    main extractor gives up on: very short, or cut off before the article's container closes."""
    import trafilatura

    try:
        body, _text, _length = trafilatura.baseline(deepcopy(tree))
    except Exception:  # noqa: BLE001 - as in _extract
        return []
    return _blocks(body) if body is not None else []


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(value.split())
    return value or None


def _iso_date(value: str | None) -> str | None:
    """YYYY-MM-DD from trafilatura's date (already ISO) or any date slant.dates can read."""
    if not value:
        return None
    value = value.strip()
    if _ISO_DATE.match(value[:10]) and (len(value) == 10 or value[10] in "T "):
        return parse_date(value[:10])
    return parse_date(value)
