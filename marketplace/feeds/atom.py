"""An Atom 1.0 document (RFC 4287) from plain entries. ElementTree writes it, so every title and summary is
escaped and the result is always well-formed XML."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

NS = "http://www.w3.org/2005/Atom"


@dataclass
class Entry:
    id: str
    title: str
    updated: datetime
    link: str
    summary: str
    published: datetime | None = None


def tag_uri(public_url: str, since: str, specific: str) -> str:
    """A permanent id (RFC 4151) that does not change when the site moves host or scheme, unlike its URL:
    tag:zhengshe.example,2026:tender/12."""
    return f"tag:{urlsplit(public_url).hostname or 'localhost'},{since}:{specific}"


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")  # aware UTC: 2026-03-02T02:00:00+00:00 (RFC 3339)


def render(*, feed_id: str, title: str, self_url: str, alternate_url: str, updated: datetime,
           entries: list[Entry]) -> bytes:
    ET.register_namespace("", NS)
    feed = ET.Element(f"{{{NS}}}feed")
    ET.SubElement(feed, f"{{{NS}}}id").text = feed_id
    ET.SubElement(feed, f"{{{NS}}}title").text = title
    ET.SubElement(feed, f"{{{NS}}}updated").text = _stamp(updated)
    ET.SubElement(feed, f"{{{NS}}}link", rel="self", type="application/atom+xml", href=self_url)
    ET.SubElement(feed, f"{{{NS}}}link", rel="alternate", type="text/html", href=alternate_url)
    # A feed without an author needs one on every entry (RFC 4287 §4.1.1); the platform speaks for all of them.
    author = ET.SubElement(feed, f"{{{NS}}}author")
    ET.SubElement(author, f"{{{NS}}}name").text = "政社通"
    for item in entries:
        entry = ET.SubElement(feed, f"{{{NS}}}entry")
        ET.SubElement(entry, f"{{{NS}}}id").text = item.id
        ET.SubElement(entry, f"{{{NS}}}title").text = item.title
        ET.SubElement(entry, f"{{{NS}}}updated").text = _stamp(item.updated)
        if item.published:
            ET.SubElement(entry, f"{{{NS}}}published").text = _stamp(item.published)
        ET.SubElement(entry, f"{{{NS}}}link", rel="alternate", type="text/html", href=item.link)
        ET.SubElement(entry, f"{{{NS}}}summary", type="text").text = item.summary
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
