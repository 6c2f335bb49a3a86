"""Properties of the framework-free ``respond()`` for any request header text
(Hypothesis), and the RFC 9110 answers to the headers that used to give 500."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assetc_django.responders import (
    ALLOWED_METHODS,
    STATUSES,
    Representation,
    StaticFile,
    Unsatisfiable,
    choose_encoding,
    parse_qlist,
    parse_range,
    respond,
)

HEADER_NAMES = ["Accept-Encoding", "Range", "If-Range", "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since"]


def make_file(body: bytes, variants: dict[str, bytes], immutable: bool = True) -> StaticFile:
    identity = Representation(size=len(body), body=body, etag='"id"')
    reps = {enc: Representation(size=len(data), body=data, encoding=enc, etag=f'"id-{enc}"') for enc, data in variants.items()}
    return StaticFile(name="css/site.0123456789ab.css", identity=identity, mtime=1_700_000_000.5, immutable=immutable, variants=reps)


# Header text: anything (non-ASCII digits, huge numbers, NaN...) and text built
# from the grammar's own pieces, so that valid and near-valid values are common.
_PIECES = st.sampled_from(
    ["bytes", "=", "-", ",", " ", "0", "1", "9", "²", "٣", "1e999", "nan", "inf", "q", ";", "br", "gzip", "zstd", "*",
     '"id"', '"id-br"', "W/", "Tue, 14 Nov 2023 22:13:20 GMT", "x-gzip", "identity", "9" * 5000, "0" * 30 + "1"]
)
HEADER_TEXT = st.one_of(st.text(max_size=200), st.lists(_PIECES, max_size=12).map("".join))
HEADERS = st.dictionaries(st.sampled_from(HEADER_NAMES), HEADER_TEXT, max_size=len(HEADER_NAMES))
FILES = st.builds(
    make_file,
    st.binary(max_size=64),
    st.dictionaries(st.sampled_from(["br", "gzip", "zstd"]), st.binary(max_size=32), max_size=3),
    st.booleans(),
)


def header(answer_headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    values = [v for k, v in answer_headers if k == name]
    assert len(values) <= 1, f"{name} sent twice"
    return values[0] if values else None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(["GET", "HEAD", "POST", "OPTIONS", "get"]), headers=HEADERS, file=st.one_of(st.none(), FILES))
@example(method="GET", headers={"Range": "bytes=²-"}, file=make_file(b"abc", {}))
@example(method="GET", headers={"Range": "bytes=" + "9" * 5000 + "-"}, file=make_file(b"abc", {}))
@example(method="GET", headers={"Range": "bytes=-" + "9" * 5000}, file=make_file(b"abc", {}))
@example(method="GET", headers={"Range": "bytes=0-"}, file=make_file(b"", {}))
@example(method="GET", headers={"Range": "bytes=-1"}, file=make_file(b"", {}))
@example(method="GET", headers={"Accept-Encoding": "br;q=nan, gzip;q=1e999"}, file=make_file(b"abc", {"br": b"b", "gzip": b"g"}))
def test_respond_never_fails_and_is_consistent(method: str, headers: dict[str, str], file: StaticFile | None) -> None:
    answer = respond(method, headers, file)
    assert answer.status in STATUSES
    length_header = header(answer.headers, "Content-Length")
    if method not in ("GET", "HEAD"):
        assert answer.status == 405
        assert header(answer.headers, "Allow") == ALLOWED_METHODS
        assert answer.length == 0
        return
    if file is None:
        assert answer.status == 404
        assert header(answer.headers, "Cache-Control") == "no-store"
    rep = answer.representation
    if method == "HEAD" or answer.status in (304, 412, 416):
        assert answer.length == 0  # no content (§9.3.2, §15.4.5)
    if answer.status == 304:
        assert rep is None and length_header is None
        assert header(answer.headers, "ETag") is not None
    if answer.status in (200, 206, 404) and method == "GET":
        assert rep is not None
        assert length_header == str(answer.length)  # what is declared is what is sent
        body = rep.body or b""
        assert len(body[answer.start : answer.start + answer.length]) == answer.length
    if answer.status == 200 and method == "HEAD":
        assert rep is not None and length_header == str(rep.size)
    if answer.status == 206:
        assert rep is not None and method == "GET"
        assert 0 <= answer.start and answer.length >= 1 and answer.start + answer.length <= rep.size
        end = answer.start + answer.length - 1
        assert header(answer.headers, "Content-Range") == f"bytes {answer.start}-{end}/{rep.size}"
    if answer.status == 416:
        assert file is not None
        assert re.fullmatch(r"bytes \*/\d+", header(answer.headers, "Content-Range") or "")
    if answer.status in (200, 206) and file is not None:
        assert rep is not None
        assert header(answer.headers, "Content-Encoding") == rep.encoding
        assert header(answer.headers, "ETag") == rep.etag
        assert (header(answer.headers, "Vary") is not None) == bool(file.variants)
        if rep.encoding is not None:
            assert rep is file.variants[rep.encoding]


@given(HEADER_TEXT, st.integers(min_value=0, max_value=1 << 40))
def test_parse_range_stays_inside(header_text: str, size: int) -> None:
    try:
        found = parse_range(header_text, size)
    except Unsatisfiable:
        return
    if found is not None:
        start, length = found
        assert 0 <= start < size and 1 <= length and start + length <= size


@given(HEADER_TEXT)
def test_qvalues_are_within_zero_and_one(header_text: str) -> None:
    assert all(0.0 <= q <= 1.0 for q in parse_qlist(header_text).values())


FILE = make_file(b"0123456789", {"br": b"BR", "gzip": b"GZ"})


@pytest.mark.parametrize(
    "range_header,status,body",
    [
        ("bytes=²-", 200, b"0123456789"),  # not ASCII digits: invalid, ignored (§14.1.1)
        ("bytes=٣-5", 200, b"0123456789"),
        ("bytes=" + "9" * 5000 + "-", 416, b""),  # valid, starts beyond the end (§15.5.17)
        ("bytes=0-" + "9" * 5000, 206, b"0123456789"),  # last-pos beyond the end: the end (§14.1.2)
        ("bytes=-" + "9" * 5000, 206, b"0123456789"),  # suffix longer than the file: all of it
        ("bytes=" + "0" * 5000 + "2-3", 206, b"23"),  # leading zeros are still a number
        ("bytes=5-2", 200, b"0123456789"),  # last < first: invalid, ignored
        ("bytes=-0", 416, b""),
        ("bytes=10-", 416, b""),
        ("bytes=3-4,", 206, b"34"),  # an empty list element is ignored (§5.6.1)
        ("bytes=0-1,3-4", 200, b"0123456789"),  # several ranges: ignored (a server MAY, §14.2)
        ("items=0-1", 200, b"0123456789"),  # unknown unit: ignored
        ("bytes = 1-2", 206, b"12"),
        ("bytes=1 - 2", 200, b"0123456789"),
    ],
)
def test_range_answers(range_header: str, status: int, body: bytes) -> None:
    answer = respond("GET", {"Range": range_header}, FILE)
    assert answer.status == status
    rep = answer.representation
    sent = (rep.body or b"")[answer.start : answer.start + answer.length] if rep else b""
    assert sent == body


@pytest.mark.parametrize(
    "accept,expected",
    [
        ("br;q=nan, gzip", "gzip"),  # an invalid qvalue states nothing (§12.4.2)
        ("br;q=1e999", None),
        ("br;q=inf, gzip;q=0.5", "gzip"),
        ("br;q=-1, gzip;q=0.1", "gzip"),
        ("br;q=1.0001", None),
        ("br;q=0.001", "br"),
        ("br;Q=1", "br"),
        ("x-gzip", "gzip"),
        (", ".join(f"c{i};q=0.5" for i in range(20000)) + ", gzip", "gzip"),  # a huge list
        ("*;q=0.5, br;q=0", "gzip"),
    ],
)
def test_accept_encoding_answers(accept: str, expected: str | None) -> None:
    assert choose_encoding(accept, {"br": 1, "gzip": 1}) == expected


def test_preconditions() -> None:
    # §13.2.2: If-Match before If-None-Match; a failed precondition is a 412.
    assert respond("GET", {"If-Match": '"other"'}, FILE).status == 412
    assert respond("GET", {"If-Match": '"id"'}, FILE).status == 200
    assert respond("GET", {"If-Match": "*"}, FILE).status == 200
    assert respond("GET", {"If-Unmodified-Since": "Mon, 01 Jan 1990 00:00:00 GMT"}, FILE).status == 412
    assert respond("GET", {"If-Unmodified-Since": "not a date"}, FILE).status == 200
    # If-None-Match: weak comparison (§13.1.2); If-Modified-Since ignored with it.
    assert respond("GET", {"If-None-Match": 'W/"id"'}, FILE).status == 304
    assert respond("HEAD", {"If-None-Match": '"x", "id"'}, FILE).status == 304
    assert respond("GET", {"If-Modified-Since": "Fri, 31 Dec 9999 23:59:59 GMT"}, FILE).status == 200  # future: invalid
    assert respond("GET", {"If-Modified-Since": "Tue, 14 Nov 2023 22:13:21 GMT"}, FILE).status == 304
    assert respond("GET", {"If-Modified-Since": "Tue, 14 Nov 2023 22:13:19 GMT"}, FILE).status == 200
    # If-Range: strong comparison; a weak tag or another date means the whole file.
    assert respond("GET", {"Range": "bytes=0-1", "If-Range": '"id"'}, FILE).status == 206
    assert respond("GET", {"Range": "bytes=0-1", "If-Range": 'W/"id"'}, FILE).status == 200
    assert respond("GET", {"Range": "bytes=0-1", "If-Range": "Tue, 14 Nov 2023 22:13:20 GMT"}, FILE).status == 206
    assert respond("GET", {"Range": "bytes=0-1", "If-Range": "Tue, 14 Nov 2023 22:13:21 GMT"}, FILE).status == 200
