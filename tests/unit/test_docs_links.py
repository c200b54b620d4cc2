"""The README and the pages under docs/ hold together: every relative link leads to a file that
exists and, for an `#anchor`, to a heading of that file (as GitHub names headings), so a page moved
or a heading renamed fails here rather than in front of a reader; and the README stays short."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCUMENTS = [
    README,
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "examples" / "README.md",
    ROOT / "construct" / "README.md",
]

FENCE = re.compile(r"^```.*?^```", re.M | re.S)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} +(.+?) *#* *$", re.M)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


def prose(text: str) -> str:
    """The text without fenced code blocks, whose brackets and hashes are not Markdown."""
    return FENCE.sub("", text)


def anchors(text: str) -> set[str]:
    """The anchors GitHub gives the headings: lower case, punctuation dropped, spaces as hyphens,
    a repeated heading numbered -1, -2, ..."""
    seen: dict[str, int] = {}
    names = set()
    for heading in HEADING.findall(prose(text)):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        names.add(slug if count == 0 else f"{slug}-{count}")
    return names


def links(text: str) -> Iterator[str]:
    """Every relative link target in the text (images included), outside code."""
    for target in LINK.findall(CODE_SPAN.sub("", prose(text))):
        if not EXTERNAL.match(target):
            yield target


def broken_links(document: Path) -> list[str]:
    """Each relative link of the document whose file is missing or whose anchor names no heading."""
    broken = []
    for target in links(document.read_text()):
        path, _, anchor = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        if not linked.exists():
            broken.append(f"{target}: no file {linked}")
        elif anchor and (linked.is_dir() or anchor not in anchors(linked.read_text())):
            broken.append(f"{target}: no heading #{anchor} in {linked.name}")
    return broken


def test_every_relative_link_resolves():
    broken = {
        str(document.relative_to(ROOT)): problems
        for document in DOCUMENTS
        if (problems := broken_links(document))
    }
    assert broken == {}


def test_the_readme_links_every_docs_page():
    linked = {Path(target.partition("#")[0]).name for target in links(README.read_text())}
    pages = {page.name for page in (ROOT / "docs").glob("*.md")}
    assert pages - linked == set()


def test_the_readme_reads_in_five_minutes():
    assert len(README.read_text().splitlines()) <= 250


def test_a_missing_file_or_heading_is_reported(tmp_path: Path):
    """The check finds what it is there to find, and only that."""
    (tmp_path / "other.md").write_text("# Other page\n\n## `make test`: the suite\n")
    document = tmp_path / "page.md"
    document.write_text(
        "# A page\n\n## A page\n\n"
        "[ok](other.md) [ok](other.md#make-test-the-suite) [ok](#a-page-1) [ok](#a-page)\n"
        "[ok](https://example.com/x.md) `[not a link](gone.md)`\n"
        "```\n[not a link](gone.md)\n```\n"
        "[bad](gone.md) [bad](other.md#missing) [bad](#nowhere)\n"
    )
    assert [problem.split(":")[0] for problem in broken_links(document)] == [
        "gone.md",
        "other.md#missing",
        "#nowhere",
    ]
