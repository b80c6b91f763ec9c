"""The export's checkpoint logic as plain functions: parsing, matching, where to resume from,
atomic replacement, encoding, and what a summary reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from proxyorders_async import (
    ExportCheckpointError,
    ExportError,
    ExportProgress,
    ExportSummary,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    Order,
)
from proxyorders_async._cli.export import summary_line
from proxyorders_async._export import (
    CSV_COLUMNS,
    DEFAULT_PAGE_SIZE,
    Checkpoint,
    Encoder,
    ExportSpec,
    check_matches,
    checkpoint_path_for,
    format_for,
    ids_in,
    read_checkpoint,
    resume_from,
    write_atomically,
)
from proxyorders_async._pagination import ExactResume

BASE = "https://api.example/"


def _checkpoint(**changes: Any) -> Checkpoint:
    fields: dict[str, Any] = {
        "status": "all",
        "format": "jsonl",
        "page_size": 10,
        "dedupe": False,
        "base_url": BASE,
        "next": "/user/api/orders?status=all&offset=30&limit=10",
        "count": 30,
        "pages": 3,
        "duplicates": 0,
        "offset": 900,
        "seconds": 1.5,
    }
    return Checkpoint(**{**fields, **changes})


def _spec(tmp_path: Path, **changes: Any) -> ExportSpec:
    fields: dict[str, Any] = {
        "path": tmp_path / "orders.jsonl",
        "status": "all",
        "format": "jsonl",
        "page_size": None,
        "dedupe": None,
        "resume": True,
        "base_url": BASE,
    }
    return ExportSpec(**{**fields, **changes})


def _order(order_id: int, **changes: Any) -> Order:
    fields: dict[str, Any] = {
        "order_id": order_id,
        "product_id": 1,
        "product_name": "Datacenter Proxy",
        "cycle_id": 4,
        "cycle_name": "monthly",
        "expires_at": None,
        "auto_renewal": True,
        "tag": None,
    }
    return Order(**{**fields, **changes})


# ---------------------------------------------------------------------------------------------
# Parsing


def test_dump_and_parse_round_trip() -> None:
    checkpoint = _checkpoint()
    data = json.loads(checkpoint.dump())
    assert data["version"] == 1
    assert Checkpoint.parse(checkpoint.dump()) == checkpoint
    complete = _checkpoint(next=None)
    assert complete.complete and not checkpoint.complete
    assert json.loads(complete.dump())["next"] is None
    assert Checkpoint.parse(complete.dump()) == complete


def test_a_checkpoint_without_seconds_is_version_1_still() -> None:
    # Written by the command line before the SDK kept time: resumable, with no time recorded.
    data = json.loads(_checkpoint().dump())
    del data["seconds"]
    assert Checkpoint.parse(json.dumps(data).encode()).seconds == 0.0


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"{not json", "Expecting property name"),
        (b"[]", "not a version 1 export checkpoint"),
        (json.dumps({"version": 2}).encode(), "not a version 1"),
        (json.dumps({"version": 1, "status": "all"}).encode(), "unexpected content"),
        (_checkpoint().dump().replace(b'"count": 30', b'"count": "30"'), "unexpected content"),
        (_checkpoint().dump().replace(b'"offset": 900', b'"offset": -1'), "negative"),
    ],
    ids=["not-json", "not-an-object", "version-2", "missing-fields", "string-count", "negative"],
)
def test_unusable_checkpoints_are_refused(content: bytes, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        Checkpoint.parse(content)


def test_read_checkpoint_names_the_file_and_what_to_do(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    assert read_checkpoint(spec) is None
    spec.checkpoint_path.write_bytes(b"{")
    with pytest.raises(ExportCheckpointError) as caught:
        read_checkpoint(spec)
    assert f"cannot use the checkpoint {spec.checkpoint_path}" in caught.value.message
    assert caught.value.checkpoint_path == str(spec.checkpoint_path)
    assert caught.value.path == str(spec.path)
    assert "delete" in caught.value.advice


def test_checkpoint_path_sits_beside_the_file(tmp_path: Path) -> None:
    assert checkpoint_path_for(tmp_path / "a.csv") == tmp_path / "a.csv.checkpoint.json"


# ---------------------------------------------------------------------------------------------
# Where to resume from


def test_without_resume_the_export_starts_afresh(tmp_path: Path) -> None:
    spec = _spec(tmp_path, resume=False)
    assert resume_from(spec, _checkpoint(), size=10**6) is None
    assert resume_from(spec, None, size=10**6) is None


def test_resume_without_a_checkpoint(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    assert resume_from(spec, None, size=0) is None  # a new or empty file: start
    with pytest.raises(ExportCheckpointError, match="nothing to resume"):
        resume_from(spec, None, size=1)  # never overwrite what no checkpoint vouches for


def test_resume_continues_where_the_checkpoint_says(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    checkpoint = _checkpoint()
    assert resume_from(spec, checkpoint, size=900) is checkpoint
    assert resume_from(spec, checkpoint, size=950) is checkpoint  # a torn page past the offset
    complete = _checkpoint(next=None)
    assert resume_from(spec, complete, size=900) is complete


def test_a_file_shorter_than_its_checkpoint_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="lost data") as caught:
        resume_from(_spec(tmp_path), _checkpoint(), size=899)
    assert type(caught.value) is ExportError


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("status", "active", "status 'all', not 'active'"),
        ("format", "csv", "format 'jsonl', not 'csv'"),
        ("base_url", "https://other.example/", "base URL"),
        ("page_size", 20, "page size 10, not 20"),
        ("dedupe", True, "dedupe False, not True"),
        ("exact", True, "exact False, not True"),
    ],
)
def test_another_option_than_the_checkpoints_is_refused(
    tmp_path: Path, option: str, value: object, message: str
) -> None:
    spec = _spec(tmp_path, **{option: value})
    with pytest.raises(ExportCheckpointError, match=message):
        resume_from(spec, _checkpoint(), size=900)


def test_options_not_given_follow_the_checkpoint(tmp_path: Path) -> None:
    check_matches(_spec(tmp_path), _checkpoint(dedupe=True, page_size=7))
    check_matches(_spec(tmp_path, page_size=7, dedupe=True), _checkpoint(dedupe=True, page_size=7))
    assert _checkpoint(dedupe=True, page_size=7).settings.page_size == 7


def test_a_fresh_export_has_defaults_and_no_progress(tmp_path: Path) -> None:
    settings = _spec(tmp_path).fresh()
    assert (settings.page_size, settings.dedupe) == (DEFAULT_PAGE_SIZE, False)
    first = Checkpoint.first(settings, "/user/api/orders?offset=0")
    assert (first.count, first.pages, first.offset, first.seconds) == (0, 0, 0, 0.0)
    assert first.settings == settings


# ---------------------------------------------------------------------------------------------
# Files and formats


def test_write_atomically_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "c.json"
    target.write_bytes(b"old")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["c.json"]


def test_format_from_the_name_or_the_argument(tmp_path: Path) -> None:
    assert format_for(tmp_path / "a.CSV", None) == "csv"
    assert format_for(tmp_path / "a.ndjson", None) == "jsonl"
    assert format_for(tmp_path / "a.txt", "csv") == "csv"
    with pytest.raises(InvalidArgumentError, match="cannot tell the format"):
        format_for(tmp_path / "a.txt", None)
    with pytest.raises(InvalidArgumentError, match="'jsonl' or 'csv'"):
        format_for(tmp_path / "a.csv", "xml")
    with pytest.raises(InvalidArgumentTypeError):
        format_for(tmp_path / "a.csv", b"csv")


def test_csv_encoding_and_ids_read_back(tmp_path: Path) -> None:
    encoder = Encoder("csv", None)
    data, count = encoder.page([_order(1, tag="a,b"), _order(2, auto_renewal=None)])
    path = tmp_path / "o.csv"
    path.write_bytes(encoder.header() + data)
    lines = path.read_text().splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    assert lines[1] == '1,1,Datacenter Proxy,4,monthly,,true,"a,b"'
    assert lines[2] == "2,1,Datacenter Proxy,4,monthly,,,"
    assert count == 2
    assert ids_in(path, "csv") == {1, 2}


def test_jsonl_dedupe_skips_ids_seen_including_those_read_back(tmp_path: Path) -> None:
    path = tmp_path / "o.jsonl"
    first, _ = Encoder("jsonl", set()).page([_order(1), _order(2)])
    path.write_bytes(first)
    encoder = Encoder("jsonl", ids_in(path, "jsonl"))  # as a resumed export starts
    assert encoder.header() == b""
    data, count = encoder.page([_order(2), _order(3), _order(3)])
    assert (count, encoder.duplicates) == (1, 2)
    assert [json.loads(line)["order_id"] for line in data.splitlines()] == [3]


# ---------------------------------------------------------------------------------------------
# What is reported


def _summary(**changes: Any) -> ExportSummary:
    fields: dict[str, Any] = {
        "orders": 1000,
        "pages": 10,
        "bytes": 123_456,
        "duplicates_skipped": 0,
        "seconds": 4.0,
        "orders_this_run": 600,
        "pages_this_run": 6,
        "seconds_this_run": 1.5,
        "resumed": True,
        "path": Path("orders.csv"),
        "checkpoint_path": Path("orders.csv.checkpoint.json"),
        "format": "csv",
        "status": "all",
        "already_complete": False,
    }
    return ExportSummary(**{**fields, **changes})


def test_rates_of_this_run_and_of_all_runs() -> None:
    summary = _summary()
    assert summary.rate == 250.0
    assert summary.rate_this_run == 400.0
    assert isinstance(summary, ExportProgress)
    idle = attrs.evolve(summary, seconds=0.0, seconds_this_run=0.0)
    assert (idle.rate, idle.rate_this_run) == (0.0, 0.0)


def test_the_commands_summary_separates_this_run_after_a_resume() -> None:
    resumed = summary_line(_summary(duplicates_skipped=3))
    assert resumed == (
        "exported 1,000 orders (10 pages) to orders.csv; "
        "this run 600 orders (6 pages) in 1.5s, 400 orders/s; all runs 4.0s, 250 orders/s; "
        "3 duplicates skipped"
    )
    fresh = summary_line(_summary(resumed=False, orders_this_run=1000, seconds_this_run=4.0))
    assert fresh == "exported 1,000 orders (10 pages) to orders.csv in 4.0s, 250 orders/s"


def test_an_exact_checkpoint_keeps_its_anchor_and_resumes_the_walk_from_it() -> None:
    saved = _checkpoint(exact=True, anchor=1042, anchor_offset=29)
    again = Checkpoint.parse(saved.dump())
    assert again == saved and again.settings.exact
    resume = again.resume({1040, 1041, 1042})
    assert resume is not None
    assert resume.anchor == (1042, 29) and set(resume.seen) == {1040, 1041, 1042}
    assert resume.floor == 0  # an export's walk starts at the list's first order
    # Before its first page an exact export has no anchor yet: the ids alone.
    assert _checkpoint(exact=True).resume(set()) == ExactResume(set(), None)
    assert _checkpoint().resume({1}) is None  # not exact: the walk starts at next, plainly


def test_a_checkpoint_written_before_exact_exports_reads_as_not_exact() -> None:
    data = json.loads(_checkpoint().dump())
    for key in ("exact", "anchor", "anchor_offset"):
        del data[key]
    old = Checkpoint.parse(json.dumps(data).encode())
    assert not old.exact and old.anchor is None and old.anchor_offset is None


def test_a_negative_anchor_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        Checkpoint.parse(_checkpoint(exact=True, anchor=1, anchor_offset=-1).dump())
