"""What each keyset list's test needs: every page of a list, reached by following its links."""

import re
from html import unescape

from django.test import Client

LINK = re.compile(r'<a rel="(prev|next)" href="([^"]+)"')


def pager_links(html: str) -> dict[str, str]:
    """The pager's links ({"prev": "?...", "next": "?..."}) as the browser would follow them."""
    return {rel: unescape(href) for rel, href in LINK.findall(html)}


def walk(client: Client, url: str, rel: str = "next", key: str = "page") -> list[tuple[str, list]]:
    """(url, rows) of every page from `url` on, following the pager's `rel` links ("next" or
    "prev") as a user clicks them; a hundred pages at most, so a loop fails rather than hangs."""
    pages: list[tuple[str, list]] = []
    target = url
    while target and len(pages) < 100:
        response = client.get(target)
        assert response.status_code == 200
        pages.append((target, list(response.context[key])))
        link = pager_links(response.content.decode()).get(rel)
        target = url.split("?")[0] + link if link else ""
    return pages


def pks(pages: list[tuple[str, list]]) -> list[int]:
    """The ids of the rows of `pages`, in the order the user saw them."""
    return [row.pk for _, rows in pages for row in rows]


def walks_both_ways(client: Client, url: str, key: str = "page") -> list[tuple[str, list]]:
    """Every page from `url` by "next", after checking that "prev" from the last page shows the
    same pages in reverse."""
    forward = walk(client, url, "next", key)
    back = walk(client, forward[-1][0], "prev", key)
    assert [rows for _, rows in back] == [rows for _, rows in reversed(forward)]
    return forward
