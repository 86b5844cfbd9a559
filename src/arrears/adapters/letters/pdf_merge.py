"""Several PDFs that WeasyPrint wrote, joined into one, page after page, without re-rendering.

A print batch is rendered in chunks, in several processes; each chunk comes back as a PDF and
the chunks are joined here. The join works on the files' objects, not on their drawings:
every object that a chunk's pages need (pages, content streams, resources, fonts) is copied
as it is, its stream bytes untouched, under a new object number; each chunk's page tree
becomes a branch of the joined file's page tree. Objects no page needs (the chunk's catalog,
its document outline, its information dictionary) are left out.

It reads what pydyf (WeasyPrint's PDF writer) produces, with or without object streams, and
no more: one object after another, streams with a direct ``/Length``, literal strings with
their parentheses escaped. Anything else is refused with ``PdfMergeError`` rather than joined
wrongly. The joined file has a classic cross-reference table and no dates or random ids, so
the same chunks always give the same bytes.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

_HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
_OBJECT = re.compile(rb"(\d+) 0 obj\n")
# A reference "12 0 R"; literal and hexadecimal strings are matched too, so that a reference
# is never looked for inside a string.
_TOKEN = re.compile(
    rb"\((?:\\.|[^\\()])*\)|<[0-9A-Fa-f\s]*>|(?<![\w#.+-])(\d+) 0 R(?![\w#])", re.DOTALL
)
_LENGTH = re.compile(rb"/Length (\d+)(?! \d+ R)")


class PdfMergeError(ValueError):
    """A PDF this module does not know how to read."""


@dataclass(frozen=True)
class _Object:
    head: bytes  # the object itself, or a stream's dictionary
    stream: bytes | None = None  # a stream's bytes, still encoded


@dataclass(frozen=True)
class _Part:
    objects: dict[int, _Object]
    pages: int  # the number of the page tree's root object
    count: int  # pages in the part


def _int(pattern: bytes | re.Pattern[bytes], text: bytes, what: str) -> int:
    found = re.search(pattern, text)
    if found is None:
        raise PdfMergeError(f"no {what} in {text[:80]!r}")
    return int(found.group(1))


def _read(pdf: bytes) -> _Part:
    """The objects of one PDF, object streams unpacked, and its page tree's root."""
    if not pdf.startswith(b"%PDF-"):
        raise PdfMergeError("not a PDF")
    objects: dict[int, _Object] = {}
    root: int | None = None
    found = _OBJECT.search(pdf)
    pos = found.start() if found else len(pdf)
    while (match := _OBJECT.match(pdf, pos)) is not None:
        number, start = int(match.group(1)), match.end()
        end = pdf.find(b"\nendobj\n", start)
        opens = pdf.find(b"\nstream\n", start)
        if end < 0:
            raise PdfMergeError(f"object {number} does not end")
        if 0 <= opens < end:  # a stream: its dictionary, then exactly /Length bytes
            head = pdf[start:opens]
            length = _int(_LENGTH, head, "stream length")
            data_start = opens + len(b"\nstream\n")
            data = pdf[data_start : data_start + length]
            tail = data_start + length
            if not pdf.startswith(b"\nendstream\nendobj\n", tail):
                raise PdfMergeError(f"stream {number} is not {length} bytes long")
            pos = tail + len(b"\nendstream\nendobj\n")
            if b"/Type /XRef" in head:
                root = _int(rb"/Root (\d+) 0 R", head, "root")
            elif b"/Type /ObjStm" in head:
                objects.update(_unpack(head, data))
            else:
                objects[number] = _Object(head, data)
        else:
            objects[number] = _Object(pdf[start:end])
            pos = end + len(b"\nendobj\n")
    if root is None:  # a classic trailer
        trailer = pdf.find(b"trailer", pos)
        if trailer < 0:
            raise PdfMergeError("no trailer")
        root = _int(rb"/Root (\d+) 0 R", pdf[trailer:], "root")
    catalog = objects.get(root)
    if catalog is None:
        raise PdfMergeError("the catalog is missing")
    pages = _int(rb"/Pages (\d+) 0 R", catalog.head, "page tree")
    if pages not in objects:
        raise PdfMergeError("the page tree is missing")
    count = _int(rb"/Count (\d+)", objects[pages].head, "page count")
    return _Part(objects, pages, count)


def _unpack(head: bytes, data: bytes) -> dict[int, _Object]:
    """The objects held in an object stream."""
    if b"/FlateDecode" in head:
        data = zlib.decompress(data)
    elif b"/Filter" in head:
        raise PdfMergeError("an object stream with a filter other than FlateDecode")
    count, first = _int(rb"/N (\d+)", head, "N"), _int(rb"/First (\d+)", head, "First")
    numbers = [int(n) for n in data[:first].split()]
    if len(numbers) != 2 * count:
        raise PdfMergeError("an object stream's index does not match its /N")
    offsets = [*numbers[1::2], len(data) - first]
    return {
        numbers[2 * i]: _Object(data[first + offsets[i] : first + offsets[i + 1]].strip())
        for i in range(count)
    }


def _references(head: bytes) -> list[int]:
    return [int(m.group(1)) for m in _TOKEN.finditer(head) if m.group(1) is not None]


def _needed(part: _Part) -> list[int]:
    """The objects the part's pages need, in their original order."""
    seen, todo = {part.pages}, [part.pages]
    while todo:
        obj = part.objects.get(todo.pop())
        if obj is None:
            raise PdfMergeError("a reference to an object that is not there")
        for number in _references(obj.head):
            if number not in seen:
                seen.add(number)
                todo.append(number)
    return sorted(seen)


def pdf_text_string(text: str) -> bytes:
    """A PDF text string: literal when printable ASCII, else UTF-16 with its byte order mark."""
    if text.isascii() and text.isprintable():
        return b"(" + re.sub(rb"([\\()])", rb"\\\1", text.encode("ascii")) + b")"
    return b"<feff" + text.encode("utf-16-be").hex().encode("ascii") + b">"


def merge_pdfs(parts: Sequence[bytes], *, title: str, producer: str) -> tuple[bytes, int]:
    """The parts joined in order, and the joined file's page count."""
    if not parts:
        raise PdfMergeError("nothing to merge")
    read = [_read(part) for part in parts]
    body: list[bytes] = []  # objects 4 and on, in order
    kids: list[bytes] = []
    number = 3  # 1: catalog, 2: page tree, 3: information dictionary
    for part in read:
        needed = _needed(part)
        renumber = {old: number + i for i, old in enumerate(needed, start=1)}
        number += len(needed)

        def new_reference(match: re.Match[bytes], renumber: dict[int, int] = renumber) -> bytes:
            if match.group(1) is None:
                return match.group(0)
            return b"%d 0 R" % renumber[int(match.group(1))]

        for old in needed:
            obj = part.objects[old]
            head = _TOKEN.sub(new_reference, obj.head)
            if old == part.pages:  # the part's page tree hangs from the joined one
                if not head.startswith(b"<<"):
                    raise PdfMergeError("a page tree that is not a dictionary")
                head = b"<</Parent 2 0 R" + head[2:]
                kids.append(b"%d 0 R" % renumber[old])
            if obj.stream is None:
                body.append(head)
            else:
                body.append(head + b"\nstream\n" + obj.stream + b"\nendstream")
    pages = sum(part.count for part in read)
    info = b"<</Title " + pdf_text_string(title) + b"/Producer " + pdf_text_string(producer)
    objects = [
        b"<</Type /Catalog/Pages 2 0 R>>",
        b"<</Type /Pages/Kids [" + b" ".join(kids) + b"]/Count %d>>" % pages,
        info + b">>",
        *body,
    ]
    out = bytearray(_HEADER)
    offsets = []
    for i, data in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + data + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R/Info 3 0 R>>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out), pages
