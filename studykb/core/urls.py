"""One key per paper, whatever form its URL takes.

arXiv abs, pdf and versioned URLs of one paper (``arxiv.org/abs/2010.02502``,
``arxiv.org/pdf/2010.02502v4.pdf``) share the key ``arxiv:2010.02502``; any
other URL is lower-cased and stripped of scheme, ``www.``, query, fragment and
trailing slash.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_ARXIV = re.compile(
    r"^(?:export\.)?arxiv\.org/(?:abs|pdf|html)/(?P<id>\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})"
    r"(?:v\d+)?(?:\.pdf)?/?$",
    re.IGNORECASE,
)


def paper_key(url: str) -> str:
    text = url.strip()
    try:
        parts = urlsplit(text if "://" in text else f"https://{text}")
    except ValueError:  # not a URL urllib can read ("https://[host"): the text is its key
        return text.lower()
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    match = _ARXIV.match(f"{host}{path}")
    if match:
        return f"arxiv:{match.group('id').lower()}"
    return f"{host}{path.lower()}" if path else host


def is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)
