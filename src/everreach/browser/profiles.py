"""A contact's profile page: follower and following counts, bio, display name (read-only)."""

from __future__ import annotations

import re

from everreach.browser.patterns import Patterns
from everreach.browser.session import Browser
from everreach.browser.store import Profile

_COUNT = r"([\d][\d.,]*\s*[KkMm]?)"
_FOLLOWERS = re.compile(_COUNT + r"\s+Followers?\b", re.IGNORECASE)
_FOLLOWING = re.compile(_COUNT + r"\s+Following\b", re.IGNORECASE)
_TITLE = re.compile(r"^(?P<name>.*?)\s*\(@[A-Za-z0-9._]+\)")
_COUNT_LINE = re.compile(r"^" + _COUNT + r"\s+(posts?|followers?|following)$", re.IGNORECASE)


def parse_count(raw: str) -> int | None:
    """ "1,234" -> 1234, "12.5K" -> 12500, "1.2M" -> 1200000."""
    text = raw.strip().replace(" ", "")
    scale = 1
    if text[-1:].lower() in ("k", "m"):
        scale = 1_000 if text[-1].lower() == "k" else 1_000_000
        text = text[:-1]
    text = text.replace(",", "")
    try:
        return round(float(text) * scale)
    except ValueError:
        return None


def parse_profile(username: str, url: str, *, meta: str, title: str, header: str, patterns: Patterns) -> Profile:
    """Counts from the meta description, name from the title, bio from the header lines after the counts."""
    profile = Profile(username=username, profile_url=url)
    followers, following = _FOLLOWERS.search(meta), _FOLLOWING.search(meta)
    profile.follower_count = parse_count(followers.group(1)) if followers else None
    profile.following_count = parse_count(following.group(1)) if following else None
    named = _TITLE.match(title.strip())
    if named and named.group("name").strip():
        profile.display_name = named.group("name").strip()
    lines = [line.strip() for line in header.splitlines() if line.strip()]
    last_count = max((i for i, line in enumerate(lines) if _COUNT_LINE.match(line)), default=None)
    if last_count is not None:
        rest = [ln for ln in lines[last_count + 1 :] if not patterns.noise.is_noise(ln)]
        if rest and profile.display_name and rest[0] == profile.display_name:
            rest = rest[1:]
        profile.bio = "\n".join(rest) or None
    return profile


def read_profile(browser: Browser, patterns: Patterns, username: str) -> Profile:
    """Open the profile page and read it (stops on a stop page like every navigation)."""
    url = browser.site.profile(username)
    browser.goto(url, patterns)
    page = browser.page
    header = page.locator(patterns.css("profile_header")).first
    header.wait_for(state="attached")
    meta_el = page.locator(patterns.css("profile_meta")).first
    title_el = page.locator(patterns.css("profile_title")).first
    meta = str(meta_el.get_attribute("content") or "") if meta_el.count() else ""
    title = str(title_el.get_attribute("content") or "") if title_el.count() else ""
    return parse_profile(username, url, meta=meta, title=title, header=str(header.inner_text()), patterns=patterns)
