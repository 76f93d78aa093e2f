# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Every link and section reference in the documentation resolves.

Checked:

- every relative link ``[text](target)`` / ``![alt](target)`` in
  ``README.md`` and ``docs/**/*.md`` points to an existing file or folder,
  and its ``#anchor`` (if any) is a heading of the target, slugged as
  GitHub does;
- every ``docs/<path>.md`` or ``docs/<path>.md#anchor`` written in the
  package, the tools, the tests, the configs or the documentation exists;
- every section citation ``<name>.md §ID`` (a docs file named by its base
  name) and every bare ``§ID`` (the ACLNet method document,
  ``docs/advanced_guides/aclnet_method.md``) names a heading of that file
  that starts with ``ID`` (e.g. ``### Q2. Neighbour lists ...``);
- nothing cites a document outside this repository (the reference notes
  the code was once written against).
"""
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / 'docs'
METHOD_DOC = DOCS / 'advanced_guides' / 'aclnet_method.md'
SCANNED_SOURCE_DIRS = ('aclnet_mm', 'tools', 'configs', 'tests', 'demo')
SCANNED_TOP_FILES = ('Makefile', 'setup.cfg', 'setup.py', 'model-index.yml')
SOURCE_SUFFIXES = ('.py', '.sh', '.md', '.yml', '.yaml', '.cfg', '.txt')

_FENCE = re.compile(r'^\s*(```|~~~)')
_HEADING = re.compile(r'^(#{1,6})\s+(.*?)\s*#*\s*$')
_LINK = re.compile(r'!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?'
                   r'(?:\s+"[^"]*")?\s*\)')
_INLINE_CODE = re.compile(r'`[^`]*`')
_EXTERNAL_TARGET = re.compile(r'[a-z][a-z0-9+.-]*:|//')
_DOCS_REF = re.compile(r'(?<![\w/.-])(docs/[\w./-]+?\.md)(#[\w-]+)?')
_MD_SECTION_REF = re.compile(r'([\w-]+\.md)\s*§\s*([A-Z]\d+)')
_SECTION_ID = re.compile(r'§\s*([A-Za-z]?[\d.]+[\w.-]*)')
# Citations of documents that are not part of this repository.
_EXTERNAL_CITATION = re.compile(
    r'reference/\w+\.md|(?<![\w/])aclnet\.md|reference notes')


def _markdown_files() -> List[Path]:
    return [ROOT / 'README.md'] + sorted(DOCS.rglob('*.md'))


def _source_files() -> List[Path]:
    files = []
    for name in SCANNED_SOURCE_DIRS:
        base = ROOT / name
        if base.exists():
            files += [
                p for p in sorted(base.rglob('*'))
                if p.is_file() and p.suffix in SOURCE_SUFFIXES
            ]
    files += [ROOT / name for name in SCANNED_TOP_FILES]
    return [
        p for p in files
        if p.is_file() and p.resolve() != Path(__file__).resolve()
    ]


def _prose_lines(path: Path) -> Iterator[Tuple[int, str]]:
    """Yield ``(line number, line)`` outside fenced code blocks."""
    fenced = False
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading (before de-duplication).

    The rendered text (link targets, inline-code backticks, emphasis stars
    dropped), lower-cased; characters other than letters, digits, ``_``,
    ``-`` and spaces removed; spaces become ``-``.
    """
    text = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', heading)
    text = text.replace('`', '').replace('*', '')
    text = re.sub(r'<[^>]+>', '', text)
    text = unicodedata.normalize('NFC', text).strip().lower()
    text = ''.join(ch for ch in text
                   if ch.isalnum() or ch in '_- ' or ch.isspace())
    return re.sub(r'\s', '-', text)


@lru_cache(maxsize=None)
def headings(path: Path) -> Tuple[Tuple[str, str], ...]:
    """``(heading text, anchor)`` of every heading of a Markdown file."""
    seen: Dict[str, int] = {}
    result = []
    for _, line in _prose_lines(path):
        match = _HEADING.match(line)
        if not match:
            continue
        text = match.group(2)
        slug = github_slug(text)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.append((text, slug if count == 0 else f'{slug}-{count}'))
    return tuple(result)


def anchors(path: Path) -> Set[str]:
    found = {anchor for _, anchor in headings(path)}
    # Explicit HTML anchors: <a id="..."></a> / <a name="..."></a>.
    text = path.read_text()
    found |= set(re.findall(r'<a\s+(?:id|name)="([^"]+)"', text))
    return found


def section_ids(path: Path) -> Set[str]:
    """Identifiers that start headings: ``Q2`` of ``Q2. Neighbour ...``."""
    ids = set()
    for text, _ in headings(path):
        match = re.match(r'([A-Z]\d+)[.:\s]', text + ' ')
        if match:
            ids.add(match.group(1))
    return ids


def _docs_by_name() -> Dict[str, List[Path]]:
    by_name: Dict[str, List[Path]] = {}
    for path in sorted(DOCS.rglob('*.md')):
        by_name.setdefault(path.name, []).append(path)
    return by_name


def _check_anchor(target: Path, anchor: str, where: str) -> List[str]:
    if not anchor:
        return []
    if target.suffix != '.md':
        return [f'{where}: #{anchor} on a non-Markdown target {target}']
    if anchor not in anchors(target):
        return [
            f'{where}: no heading #{anchor} in '
            f'{target.relative_to(ROOT)}'
        ]
    return []


def link_problems(path: Path) -> List[str]:
    problems = []
    rel = path.relative_to(ROOT)
    for number, line in _prose_lines(path):
        for target in _LINK.findall(_INLINE_CODE.sub('', line)):
            if _EXTERNAL_TARGET.match(target):
                continue  # http(s), mailto, ...
            where = f'{rel}:{number}: ({target})'
            file_part, _, anchor = target.partition('#')
            resolved = (path.parent / file_part).resolve() \
                if file_part else path
            if not resolved.exists():
                problems.append(f'{where}: {file_part} does not exist')
                continue
            problems += _check_anchor(resolved, anchor, where)
    return problems


def reference_problems(path: Path) -> List[str]:
    """``docs/...md#anchor`` and ``§ID`` references written in a file."""
    problems = []
    rel = path.relative_to(ROOT)
    by_name = _docs_by_name()
    lines = enumerate(path.read_text().splitlines(), 1)
    for number, line in lines:
        where = f'{rel}:{number}'
        for doc, anchor in _DOCS_REF.findall(line):
            target = ROOT / doc
            if not target.exists():
                problems.append(f'{where}: {doc} does not exist')
                continue
            problems += _check_anchor(target, anchor.lstrip('#'), where)
        named = _MD_SECTION_REF.findall(line)
        for name, ident in named:
            candidates = by_name.get(name, [])
            if not candidates:
                problems.append(f'{where}: no docs file named {name}')
            elif not any(ident in section_ids(c) for c in candidates):
                problems.append(f'{where}: no section {ident} in {name}')
        if named:
            continue  # the line's § are those of the named file
        for ident in _SECTION_ID.findall(line):
            if not METHOD_DOC.exists():
                problems.append(f'{where}: §{ident}: no method document')
            elif ident not in section_ids(METHOD_DOC):
                problems.append(f'{where}: §{ident} is not a section of '
                                f'{METHOD_DOC.relative_to(ROOT)}')
    return problems


@pytest.mark.parametrize(
    'path', _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_links_resolve(path):
    problems = link_problems(path)
    assert not problems, '\n'.join(problems)


@pytest.mark.parametrize(
    'path',
    _markdown_files() + _source_files(),
    ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_references_resolve(path):
    problems = reference_problems(path)
    assert not problems, '\n'.join(problems)


def test_no_citation_of_documents_outside_the_repository():
    problems = []
    for path in _markdown_files() + _source_files():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if _EXTERNAL_CITATION.search(line):
                problems.append(f'{path.relative_to(ROOT)}:{number}: '
                                f'{line.strip()}')
    assert not problems, '\n'.join(problems)


def test_method_document_sections_are_unique():
    ids = [
        re.match(r'([A-Z]\d+)\.', text).group(1)
        for text, _ in headings(METHOD_DOC) if re.match(r'[A-Z]\d+\.', text)
    ]
    assert len(ids) == len(set(ids)), ids
    assert {'M1', 'Q1', 'F1'} <= set(ids)


@pytest.mark.parametrize('heading, slug', [
    ("Two protocols: ours (default) and the paper's",
     'two-protocols-ours-default-and-the-papers'),
    ('Q2. Neighbour lists padded with zero counts and the class itself',
     'q2-neighbour-lists-padded-with-zero-counts-and-the-class-itself'),
    ('`SkeletonPoseDataset` options', 'skeletonposedataset-options'),
    ('A [link](x.md) and *stars*', 'a-link-and-stars'),
    ('Train & test', 'train--test'),
])
def test_github_slug(heading, slug):
    assert github_slug(heading) == slug
