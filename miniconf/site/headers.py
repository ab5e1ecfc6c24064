"""``_headers``: the HTTP headers of every file, for static hosts that read such a file
(Netlify, Cloudflare Pages; GitHub Pages ignores it).

Pages carry their Content-Security-Policy in a meta tag, which only HTML has: an SVG
or a JSON file opened directly gets none from the build. Served with this file, every
response carries the policy, and ``nosniff`` stops a browser from reading a file as
another type than it was served as. Where several rules match a path, those hosts send
every matching header, so the SVG rule below only narrows the policy of all files.
"""

from __future__ import annotations

from ..structure.conference import Conference
from .app import content_security_policy, site_assets

HEADERS_FILE = "_headers"

#: For SVG published from sitedata: a drawing needs no script, no fetches, no frames.
SVG_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"


def headers_text(conference: Conference) -> str:
    """The ``_headers`` file: the site's policy for every path, SVG assets narrowed."""
    lines = [
        "# Written by `miniconf freeze`: HTTP headers for hosts that read this file.",
        "/*",
        f"  Content-Security-Policy: {content_security_policy(conference)}",
        "  X-Content-Type-Options: nosniff",
        "  Referrer-Policy: strict-origin-when-cross-origin",
    ]
    for asset in sorted(site_assets(conference)):
        if asset.lower().endswith(".svg"):
            lines += [f"/assets/{asset}", f"  Content-Security-Policy: {SVG_POLICY}"]
    return "\n".join(lines) + "\n"
