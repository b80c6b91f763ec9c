# ruff: noqa: E501  (Markdown table rows live in strings below)
"""Regenerate ``docs/reliability.md`` from a real run of the hostile-world suite.

    .venv/bin/python tests/hostile/report.py              # run suite + soak, write the doc
    .venv/bin/python tests/hostile/report.py --no-soak    # skip the soak (its row says so)
    .venv/bin/python tests/hostile/report.py --from figures.json   # only render saved figures

The tests record what they observed (``_support.record``); with ``RELIABILITY_REPORT=path``
the session writes those figures as JSON, and this script turns them into the table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "reliability.md"
PY = ".venv/bin/python -m pytest"
Figures = dict[str, Any]


def _n(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value < 100 else f"{value:,.0f}"
    return str(value)


def _get(figures: Figures, key: str) -> str:
    return _n(figures[key]) if key in figures else "n/a"


def _s1(f: Figures) -> str:
    parts = []
    for c in (1, 4):
        g = lambda key, c=c: _get(f, f"c{c}_{key}")  # noqa: E731
        parts.append(
            f"concurrency={c}: {g('orders')} yielded, {g('distinct')} distinct, 0 missing; "
            f"{g('requests')} requests for {g('pages')} pages ({g('503')} x503, {g('429')} x429, "
            f"{g('resets')} resets, {g('truncated')} truncated), {g('retries')} retries; "
            f"shortest wait after a 429: {g('min_wait_after_429')} s (Retry-After 0.02)"
        )
    parts.append(
        f"real `Retry-After: 1`: the transport slept {f.get('real_wait_s', 'n/a')} s; "
        "Retry-After past the "
        "deadline raises at once; Retry-After capped by `max_retry_after`"
    )
    return "<br>".join(parts)


def _s2(f: Figures) -> str:
    parts = [
        f"concurrency={c}: {_get(f, f'c{c}_before_failure')} orders before the failure, "
        f"error after {_get(f, f'c{c}_attempts')} attempts; resumed walk "
        f"{_get(f, f'c{c}_after_resume')} orders, {_get(f, f'c{c}_overlap')} repeated, "
        f"{_get(f, f'c{c}_missing')} missing"
        for c in (1, 4)
    ]
    parts.append(f"message: `{f.get('message', 'n/a')}`")
    parts.append(
        f"server gone: `{f.get('refused_message', 'n/a')}` after "
        f"{_get(f, 'refused_attempts')} attempts; resumed after restart, nothing lost"
    )
    return "<br>".join(parts)


def _s3(f: Figures) -> str:
    parts = [
        f"inserts+503s, concurrency={c}: {_get(f, f'insert_c{c}_yielded')} yielded, "
        f"{_get(f, f'insert_c{c}_duplicates_skipped')} duplicates skipped (= "
        f"{_get(f, f'insert_c{c}_debug_lines')} DEBUG lines, "
        f"{_get(f, f'insert_c{c}_warnings')} summary WARNING), "
        f"{_get(f, f'insert_c{c}_original_missing')} pre-existing orders missing"
        for c in (1, 4, 8)
    ]
    parts += [
        f"without dedupe: {_get(f, 'no_dedupe_repeats')} repeats yielded, none lost",
        f"a whole page inserted per page: PaginationError after "
        f"{_get(f, 'same_page_requests')} requests; server ignoring offset: stopped after "
        f"{_get(f, 'ignored_offset_rows')} (rows) / {_get(f, 'ignored_offset_empty')} (empty) "
        "requests",
        f"**deletions (known gap, strict xfail):** {_get(f, 'delete_survivors_skipped')} "
        f"surviving orders skipped of {_get(f, 'delete_yielded')} yielded, with no signal",
    ]
    return "<br>".join(parts)


def _s4(f: Figures) -> str:
    return "<br>".join(
        [
            f"{_get(f, 'calls')} calls ({_get(f, 'purchases')} purchases, "
            f"{_get(f, 'renewals')} renewals): {_get(f, 'succeeded')} succeeded, "
            f"{_get(f, 'unknown')} `PurchaseOutcomeUnknownError` "
            f"({_get(f, 'unknown_carried_out')} carried out by the server, "
            f"{_get(f, 'unknown_not_carried_out')} not)",
            f"faults seen: {_get(f, 'error')} x5xx, {_get(f, 'reset_before')} resets before, "
            f"{_get(f, 'reset_after')} resets after, {_get(f, 'truncate')} truncated, "
            f"{_get(f, 'stall')} stalls + {_get(f, 'latency')} slow starts (timeouts)",
            f"max receipts of one request: {_get(f, 'max_receipts_per_request')}; wallet moved "
            f"{_get(f, 'wallet_delta_cents')} cents = {_get(f, 'charged_cents')} expected",
            "README recipe right for reset-after, truncated, reset-before, 503, 502-html; "
            f"a purchase queued for a pooled connection: {_get(f, 'pool_wait_false_unknown')} "
            "false unknowns",
        ]
    )


def _s5(f: Figures) -> str:
    return "<br>".join(
        [
            f"{_get(f, 'emulator_errors')} errors and {_get(f, 'emulator_log_lines')} DEBUG "
            f"lines against the emulator, {_get(f, 'texts')} texts checked: token found 0 times",
            f"hostile echo server (body, HTML, bad status line, bad header): "
            f"{_get(f, 'echo_errors')} errors, all redacted",
            f"redirects {f.get('redirect_statuses', 'n/a')} to another origin: followed "
            f"{_get(f, 'redirects_followed')} times; foreign/credential/scheme `next`: "
            f"{_get(f, 'foreign_next_refused')} refused, {_get(f, 'foreign_requests')} requests "
            "to the other origin",
            f"plain http refused for {_get(f, 'http_refused_hosts')} non-loopback hosts (arg and "
            f"env), accepted with `allow_http=True`; {_get(f, 'proxy_passwords_checked')} proxy "
            f"passwords: 0 in {_get(f, 'proxy_log_lines')} DEBUG lines, `'***'` in repr",
        ]
    )


def _s6(f: Figures) -> str:
    return (
        f"stalled headers: `APITimeoutError` after {_get(f, 'stalled_headers_attempts')} "
        f"attempts; trickled body: after {_get(f, 'trickled_body_attempts')}; deadline: after "
        f"{_get(f, 'deadline_attempts')}; {_get(f, 'silent_server_kinds')} kinds of silent "
        "server: timeout (reads) / unknown outcome caused by a timeout (purchases); hanging TCP "
        f"connect: {f.get('hanging_connect_purchase', 'n/a')}; stalled purchase sent "
        f"{_get(f, 'stalled_purchase_sent')} time"
    )


def _s7(f: Figures) -> str:
    return "<br>".join(
        f"{label}: {_get(f, f'{key}_calls')} calls, {_get(f, f'{key}_failed')} failed, "
        f"{_get(f, f'{key}_requests')} requests ({_get(f, f'{key}_injected')} faulted); "
        f"peak {_get(f, f'{key}_peak_connections')} server-side connections "
        f"(limit {_get(f, 'max_connections')}, {_get(f, f'{key}_connections_opened')} opened "
        f"in all); {_get(f, f'{key}_fds_left')} fds left after close(); 0 ResourceWarnings"
        for key, label in (("clean", "clean"), ("faults", "with 5% 5xx + 2% resets"))
    )


def _s8(f: Figures) -> str:
    return (
        f"{_get(f, 'cases')} invalid arguments ({_get(f, 'arguments')} distinct arguments) "
        f"across {_get(f, 'methods')} constructors and methods: all typed, all naming the "
        f"argument; requests sent: {_get(f, 'requests_sent')}"
    )


def _s9(f: Figures) -> str:
    cases = {k: v for k, v in f.items() if k != "emulator_html_attempts"}
    shown = "; ".join(f"{k}: {v}" for k, v in sorted(cases.items()))
    return (
        f"{shown}<br>emulator gateway HTML 502: after {_get(f, 'emulator_html_attempts')} attempts"
    )


def _s10(f: Figures) -> str:
    return (
        f"{_get(f, 'models')} models x {_get(f, 'examples_per_model')} examples: round trip, "
        f"extra fields, allowed nulls, refused nulls all hold; {_get(f, 'graph_examples')} random "
        "page graphs (fake transport) + 40 over loopback HTTP: every walk terminated as the "
        "reference walk predicts, identical at concurrency 1-4, no request to another origin"
    )


def _s11(f: Figures) -> str:
    refused = sorted(k.removeprefix("refused_") for k in f if k.startswith("refused_"))
    return "<br>".join(
        [
            f"1 GB gzip bomb ({_get(f, 'bomb_wire_bytes')} bytes on the wire) with "
            f"`max_response_bytes={_get(f, 'cap_bytes')}`: refused at the cap, peak RSS grew "
            f"{_get(f, 'rss_growth_mb')} MB (bound {_get(f, 'rss_bound_mb')} MB = 2x cap + 20 MB)",
            f"64 MB bombs refused with `APIResponseValidationError` after 1 attempt: "
            f"{', '.join(refused) or 'n/a'}; a bombed purchase answer: "
            f"`PurchaseOutcomeUnknownError`, sent once",
            f"bombed 503 page cut at {_get(f, 'error_page_cut_chars')} inflated characters and "
            f"retried as a 503; br: {f.get('brotli', 'n/a')}",
        ]
    )


def _s12(f: Figures) -> str:
    return "<br>".join(
        [
            f"ASCII token with `/`: {_get(f, 'ascii_texts')} texts (errors, chains, tracebacks, "
            f"DEBUG lines) checked, {_get(f, 'ascii_occurrences')} occurrences of any 8-character "
            "run of the token in any spelling",
            f"token with a backslash and non-ASCII characters: {_get(f, 'odd_texts')} texts, "
            f"{_get(f, 'odd_occurrences')} occurrences",
            f"CLI `--debug` (retry lines + traceback of a 503 echoing the token): "
            f"{_get(f, 'cli_debug_lines')} lines, {_get(f, 'cli_occurrences')} occurrences",
        ]
    )


def _s13(f: Figures) -> str:
    return (
        f"{_get(f, 'exact_values')} values holding the key returned exactly (order ids, tag, "
        f"e-mail, balance, purchase message); {_get(f, 'masked_error_texts')} error text still "
        f"masked; keys of 1-7 characters refused: {_get(f, 'short_keys_refused')} of 7, none "
        "echoed"
    )


def _s14(f: Figures) -> str:
    names = {"period2": "period 2", "period3": "period 3", "sliding": "sliding by one"}
    parts = []
    for pattern, name in names.items():
        cells = ", ".join(
            f"`{walk}` c{c} {_get(f, f'{pattern}_{walk}_c{c}_requests')}"
            f" ({_get(f, f'{pattern}_{walk}_c{c}_warnings')} WARNING)"
            for walk in ("pages", "iter")
            for c in (1, 4)
        )
        parts.append(f"{name}: `PaginationError` after {cells} requests")
    parts.append(
        f"a {_get(f, 'long_walk_pages')}-page progressing walk remembers "
        f"{_get(f, 'long_walk_remembered_uris')} URIs and {_get(f, 'long_walk_remembered_ids')} "
        f"ids (window {_get(f, 'stall_window')} pages)"
    )
    return "<br>".join(parts)


def _s15(f: Figures) -> str:
    return "<br>".join(
        [
            f"{_get(f, 'calls')} calls in flight or queued, then `close()`: "
            f"{_get(f, 'closed_errors')} `ClientClosedError`, {_get(f, 'runtime_errors')} "
            f"`RuntimeError`s ({_get(f, 'in_flight_at_close')} were in flight), "
            f"{_get(f, 'requests_after_close')} requests after close; `close()` took "
            f"{_get(f, 'close_ms')} ms, every call had ended {_get(f, 'all_settled_ms')} ms "
            "after it started",
            "borrowed session closed by its owner: "
            f"{_get(f, 'borrowed_runtime_errors')} / {_get(f, 'borrowed_shared_runtime_errors')} "
            "`RuntimeError`s (SDK-only pool / pool shared with the owner's traffic)",
            f"`calculate_many` of {_get(f, 'quotes')} quotes: {_get(f, 'quote_closed_errors')} "
            "per-item `ClientClosedError`s; a purchase in flight: "
            f"`{f.get('sent_purchase', 'n/a')}`, one queued: `{f.get('queued_purchase', 'n/a')}`; "
            "slot waits and a 30 s retry wait woken within 5 loop steps",
        ]
    )


def _s16(f: Figures) -> str:
    return (
        f"{_get(f, 'second_run_calls')} kinds of call from a second loop (same thread) and "
        f"{_get(f, 'thread_calls')} from another thread's loop: all `EventLoopMismatchError`, "
        f"nothing sent, the client unharmed in its own loop; first loop gone: "
        f"`{f.get('gone_loop_error', 'n/a')}`; session from another loop: "
        f"`{f.get('foreign_session_error', 'n/a')}`; the check costs {_get(f, 'check_ns')} ns "
        f"per request ({_get(f, 'session_for_request_ns')} ns for the whole session lookup)"
    )


def _s17(f: Figures) -> str:
    return (
        f"{_get(f, 'trials')} trials each: cancels swallowed {_get(f, 'deadline_swallowed')} "
        f"(with a deadline) / {_get(f, 'plain_swallowed')} (without); purchases sent after a "
        f"cancel: {_get(f, 'sent_after_cancel')}; a purchase cancelled in flight: "
        f"{_get(f, 'in_flight_cancel_warnings')} WARNING naming method and URL, no token; "
        "cancelled during a retry wait: nothing more sent"
    )


def _s18(f: Figures) -> str:
    return (
        f"`deadline={_get(f, 'strict_deadline_s')}` caller joining a default-settings quote: "
        f"`APITimeoutError` after {_get(f, 'strict_joiner_s')} s while the other call was "
        f"still waiting; lenient caller after a strict one: {f.get('lenient_joiner', 'n/a')}; "
        f"{_get(f, 'same_settings_callers')} callers with the same settings: "
        f"{_get(f, 'same_settings_requests')} request; taking over from a cancelled caller "
        f"(`deadline={_get(f, 'handoff_deadline_s')}`): ended after {_get(f, 'handoff_s')} s"
    )


def _s19(f: Figures) -> str:
    walks = "; ".join(
        f"{mode} `next`, concurrency={c}: {_get(f, f'{mode}_c{c}_orders')} orders in "
        f"{_get(f, f'{mode}_c{c}_requests')} requests, {_get(f, f'{mode}_c{c}_outside')} "
        "outside the prefix"
        for mode in ("relative", "absolute", "prefixed")
        for c in (1, 3)
    )
    return (
        f"{walks}<br>{_get(f, 'endpoints_under_prefix')} other endpoints, all under `/gw`"
        f"<br>`/user/api` base URL: `{f.get('hint', 'n/a')}`"
    )


def _s20(f: Figures) -> str:
    return "<br>".join(
        [
            f"{_get(f, 'huge_int_cases')} calls with a 4,301-digit integer (+/-) across "
            f"{_get(f, 'huge_int_arguments')} integer arguments: all `InvalidArgumentError`, "
            "0 requests sent",
            f"int subclass formatting as `purchase`: {_get(f, 'int_subclass_calls')} requests, "
            f"{_get(f, 'int_subclass_paths_rewritten')} paths, queries or bodies rewritten",
            f"lone surrogate: {_get(f, 'surrogate_cases')} arguments refused, "
            f"{_get(f, 'surrogate_requests_sent')} requests sent",
            f"{_get(f, 'server_texts_checked')} error messages and log lines built from forged "
            f"server text: {_get(f, 'control_characters_left')} control characters left",
        ]
    )


def _s21(f: Figures) -> str:
    answers = [k for k in sorted(f) if k.startswith(("purchase_", "renew_", "order_id_"))]
    shown = ", ".join(f"{k.replace('order_id_', 'order_id ')}" for k in answers)
    received = "; ".join(
        f"{label}: received {_get(f, f'after_{key}_received')}, carried out "
        f"{_get(f, f'after_{key}_carried_out')}"
        for key, label in (
            ("refused", "connection refused then retried"),
            ("429", "429 then retried"),
            ("503", "503"),
            ("reset_before", "reset before"),
            ("reset_after", "reset after"),
            ("truncate", "truncated"),
        )
    )
    return (
        f"`PurchaseOutcomeUnknownError`, sent once, for {len(answers)} answers ({shown})"
        f"<br>purchases per call: {received}"
    )


def _s22(f: Figures) -> str:
    routes = ", ".join(
        f"{route} {_get(f, f'{route}_status')} (journaled {_get(f, f'{route}_journaled')})"
        for route in ("orders.purchase", "orders.tag", "orders.change_billing_cycle", "unknown")
    )
    return (
        f"`[` x 100,000 body: {routes}; `addons_json` `[` x 5,000: "
        f"{_get(f, 'calculate_status')} (journaled {_get(f, 'calculate_journaled')}); "
        f"{_get(f, 'bombs_then_ok')} bombs in a row, then `me` answers 200"
    )


def _s23(f: Figures) -> str:
    return (
        f"{_get(f, 'emulator_passwords')} profile and sub-user passwords from the emulator "
        f"(answers cut short on the way), {_get(f, 'emulator_texts')} texts and DEBUG lines; "
        f"{_get(f, 'hostile_answers')} hostile answers, {_get(f, 'hostile_texts')} texts and "
        "lines: a password (or its first 8 characters) found 0 times"
    )


def _soak(f: Figures) -> str:
    if not f:
        return "not run this time (`make soak`)"
    return "<br>".join(
        [
            f"export: {_get(f, 'export_orders')} orders, {_get(f, 'export_distinct')} distinct, "
            f"{_get(f, 'export_requests')} requests ({_get(f, 'export_faults')} faulted)",
            f"inserts during export: {_get(f, 'shifting_yielded')} yielded, "
            f"{_get(f, 'shifting_duplicates_skipped')} duplicates skipped, "
            f"{_get(f, 'shifting_original_missing')} pre-existing missing",
            f"{_get(f, 'purchases')} concurrent purchases: {_get(f, 'purchase_ok')} ok, "
            f"{_get(f, 'purchase_unknown')} unknown ({_get(f, 'purchase_unknown_carried_out')} "
            f"carried out); max receipts {_get(f, 'max_receipts')}; wallet exact: "
            f"{f.get('wallet_exact', 'n/a')}",
        ]
    )


Row = tuple[str, str, str, str, str, Callable[[Figures], str]]
ROWS: list[Row] = [
    (
        "S1",
        "Export under faults",
        "20,000 orders, page 100, on `orders.list`: 10% 503, 2% 429 (`Retry-After: 0.02`), "
        "0.5% resets before + 0.5% after the response started, 1% truncated JSON; "
        "concurrency 1 and 4. Separately: a real `Retry-After: 1`, one beyond the deadline, "
        "one over `max_retry_after`, an HTTP date",
        "exactly the 20,000 ids, none twice, none missing, in order; each page served cleanly "
        "once; every wait after a 429 >= Retry-After (waits captured from the transport)",
        "test_s01_export_under_faults.py",
        _s1,
    ),
    (
        "S2",
        "Persistent failure",
        "the server answers every page with 503 from mid-page 8 (`max_retries=3`); the "
        "emulator stopped mid-walk (connection refused), then restarted on a new port",
        "the error names the status, the server's message, method, URL and the attempt count; "
        "`resume_uri` resumes with nothing repeated or skipped",
        "test_s02_persistent_failure.py",
        _s2,
    ),
    (
        "S3",
        "Orders shifting between pages",
        "3 orders inserted before all others after each page, plus 10% 503 (20% on a 5,000-order "
        "run at concurrency 8), so pages fetched ahead are served out of order; a whole page "
        "inserted per page; a server ignoring "
        "`offset`; 2 deletions per page",
        "no loop; `dedupe=True` yields each id once, counts every duplicate (DEBUG each, one "
        "summary WARNING per walk); no order "
        "that existed all along is dropped",
        "test_s03_shifting_pages.py",
        _s3,
    ),
    (
        "S4",
        "Money",
        "250 sequential purchases and renewals: 8% 5xx, 5% reset before processing, 7% reset "
        "after processing (headers + half the body), 4% truncated, and every 40th call a "
        "stall after processing / a slow start, past a 0.25 s timeout; a purchase queued for "
        "the only pooled connection",
        "each request received at most once (journal); every ambiguous outcome raised "
        "`PurchaseOutcomeUnknownError`; store orders and wallet = successes + ambiguous ones "
        "the server carried out; the README reconciliation recipe gives the right answer",
        "test_s04_money.py",
        _s4,
    ),
    (
        "S5",
        "Secrets",
        "every failure mode at DEBUG on the root logger; servers echoing the Authorization "
        "header in JSON, HTML, a status line and a header line; 301/302/303/307/308 and `next` "
        "to a second loopback origin, scheme-relative, https, userinfo, other host name; "
        "plain-http base URLs; proxy credentials from `proxies.active`",
        "the token in no repr, str, exception (chain and traceback) or log line; the other "
        "origin receives nothing; plain http refused unless loopback or `allow_http=True`; "
        "proxy passwords in no log line, `'***'` in repr",
        "test_s05_secrets.py",
        _s5,
    ),
    (
        "S6",
        "Timeouts",
        "stalled headers, a body trickled at 160 B/s, a `deadline`, servers that say nothing / "
        "only a status line / a short body / a stalled chunk, a TCP connect that hangs (full "
        "accept queue), timeout 0.2 s",
        "`APITimeoutError` within timeout x attempts, never a hang (pytest-timeout guard); a "
        "purchase whose connect hung is a plain, retried timeout, never 'outcome unknown'",
        "test_s06_timeouts.py",
        _s6,
    ),
    (
        "S7",
        "Load and hygiene",
        "10,000 concurrent calls (me, get, list, distinct quotes) through one client with "
        "`max_connections=16` and `timeout=0.5` (the burst takes several times longer), clean "
        "and with 5% 5xx + 2% resets; warnings captured",
        "every call completes; server-side open connections never exceed 16; after `close()` "
        "no fd left (/proc/self/fd) and no ResourceWarning / 'Unclosed client session'",
        "test_s07_load_and_hygiene.py",
        _s7,
    ),
    (
        "S8",
        "Bad input",
        "invalid values and types for every argument of the constructor, `RetryPolicy`, "
        "`with_options`, request models and every method that takes arguments",
        "a typed error (`ConfigurationError`/`InvalidArgumentError`/`InvalidArgumentTypeError`) "
        "naming the argument; the emulator journal stays empty",
        "test_s08_bad_input.py",
        _s8,
    ),
    (
        "S9",
        "Bad responses",
        "HTML error and 200 pages, empty 200/204/404/500, wrong types, missing fields, arrays, "
        "null, `success: false` in a 200, 3 MB bodies (sized and chunked) over a 1 MB limit, a "
        "5 MB HTML 503, nesting bombs, invalid UTF-8, NaN, truncated JSON, 418",
        "a typed error carrying the status and a bounded body (text excerpt <= 2,000 chars or "
        "JSON <= 64 KiB); retried exactly when the retry table says",
        "test_s09_bad_responses.py",
        _s9,
    ),
    (
        "S10",
        "Property tests",
        "hypothesis (derandomized): every response model; random page graphs with chains, "
        "cycles, self-loops, foreign origins, credentials, junk URIs and repeated pages",
        "models round-trip through JSON, tolerate extra fields and allowed nulls; every walk "
        "terminates (completes or `PaginationError`) exactly as a reference walk predicts",
        "test_s10_properties.py",
        _s10,
    ),
    (
        "S11",
        "Decompression bombs",
        "200s with `Content-Encoding` gzip, deflate (zlib and raw) and br (when Brotli >= 1.2 "
        "is installed) whose `Content-Length` is under `max_response_bytes=1,000,000` but which "
        "inflate to 64 MB (sized and chunked) or 1 GB; a bombed purchase answer; a deflated "
        "503 page inflating to 64 MB; br or zstd sent though not asked for",
        "reading stops at the cap: `APIResponseValidationError` (`PurchaseOutcomeUnknownError` "
        "for a purchase), never retried; error pages cut at 64 KiB of inflated text; peak RSS "
        "growth while refusing the 1 GB bomb under 2x the cap + 20 MB (measured in a "
        "subprocess from `/proc/self/status`)",
        "test_s11_decompression_bomb.py",
        _s11,
    ),
    (
        "S12",
        "Echoed tokens",
        "a server echoing the token in a reason phrase (`HTTP/1.1 503 Bearer <token>`), in JSON "
        "with `\\/` and `\\uXXXX` escapes (401, 403, `success: false`, wrong-shaped 200, "
        "cut-short JSON), in over-long status and header lines cut by aiohttp's 100-byte "
        "excerpt (8 to 47 token characters shown), in broken status and header lines; tokens "
        "with `/`, a backslash and non-ASCII characters",
        "no run of 8+ characters of the token, in any spelling (verbatim, JSON, `\\u`, repr of "
        "str or bytes, once or twice escaped), in any error text, chain, traceback, DEBUG log "
        "line or the CLI's `--debug` output",
        "test_s12_token_echoes.py",
        _s12,
    ),
    (
        "S13",
        "Exact success data",
        "the 8-digit key `77889900` inside successful answers (order ids `77889900` and "
        "`778899001`, tag `team-77889900-prod`, e-mail, balance, purchase message) and inside "
        "a 400's message; keys of 1-7 characters",
        "successful data returned exactly as sent, error texts still masked; keys under 8 "
        "characters refused with `ConfigurationError` without echoing them",
        "test_s13_redaction_exactness.py",
        _s13,
    ),
    (
        "S14",
        "Endless walks",
        "ever-new `next` URIs (offset keeps growing) over pages that repeat with period 2 "
        "(A,B,A,B) or 3, or slide by one order per page of 100 ([1..100], [2..101], ...); "
        "`pages()` and `iter(dedupe=True)` at concurrency 1 and 4; the server stops after 400 "
        "pages so a regression fails instead of hanging",
        "`PaginationError` by page 16 (the progress rule: the last 16 pages brought fewer new "
        "ids than a quarter of those they carried), after at most 16 x concurrency requests; at "
        "most 64 URIs and 32 pages of ids remembered; one summary WARNING per `dedupe` walk",
        "test_s14_endless_walks.py",
        _s14,
    ),
    (
        "S15",
        "Close with calls in flight",
        "1,000 calls through one client (100 in flight, 900 queued) against a server that "
        "holds every request, then `close()`; a borrowed session closed by its owner mid-call "
        "(also with the owner's own request in the pool); `calculate_many` of 2,000 quotes; a "
        "purchase in flight and one queued; a read sleeping on `Retry-After: 30`",
        "every call ends at once with `ClientClosedError` (never aiohttp's `RuntimeError: "
        "Session is closed`), none is retried; per-item errors in `calculate_many`; the sent "
        "purchase is `PurchaseOutcomeUnknownError`, the queued one `ClientClosedError`",
        "test_s15_close_in_flight.py",
        _s15,
    ),
    (
        "S16",
        "One client, one loop",
        "a client used from a second event loop (loop 1 alive or gone), from another thread's "
        "loop, and with an aiohttp session made in another loop",
        '`EventLoopMismatchError` ("this client is bound to another event loop; create one '
        'client per loop") before anything is sent; decision: a client belongs to the loop of '
        "its first request",
        "test_s16_event_loop.py",
        _s16,
    ),
    (
        "S17",
        "Cancels",
        "a purchase waiting for the only connection slot is cancelled in the loop step the slot "
        "is released (with and without a deadline, 20 trials each); a purchase cancelled in "
        "flight; a purchase cancelled while waiting to retry a 429",
        "the cancel propagates and nothing is sent after it; decision: a purchase cancelled in "
        "flight has an unknown outcome, logged as one WARNING with method and URL",
        "test_s17_cancel.py",
        _s17,
    ),
    (
        "S18",
        "Coalesced quotes and deadlines",
        "identical quotes from callers with different settings (`with_options(deadline=0.5)` "
        "vs defaults, and the reverse) against a server that holds every quote; 50 callers "
        "with the same settings; a caller taking over from a cancelled one",
        "each caller gets its answer or its own `APITimeoutError` within its own deadline; "
        "decision: only callers with the same settings share a request in flight",
        "test_s18_coalesced_deadline.py",
        _s18,
    ),
    (
        "S19",
        "Path prefixes",
        "a gateway serving the API under `/gw` (404 anywhere else) in front of an emulator that "
        "does not know the prefix: root-relative and absolute `next` URIs without it, and a "
        "prefix-aware server; `base_url` ending in `/user/api`",
        "every request of every walk (concurrency 1 and 3, resumed from a saved `next`) and of "
        "every endpoint stays under the prefix; a `/user/api` base URL is refused at "
        "construction with the URL to use (decision: prefixes are supported, not refused)",
        "test_s19_path_prefixes.py",
        _s19,
    ),
    (
        "S20",
        "Bad input II",
        "4,301-digit integers in every integer argument; an `int` subclass whose `__str__`, "
        '`__format__`, `__int__` and `__index__` lie; `"P\\ud800"` in every string argument '
        "and in `base_url`; server messages and reason phrases carrying `\\n`, `\\r`, "
        "U+2028 and terminal escapes",
        "a typed error naming the argument and nothing sent; paths, queries and bodies built "
        "from the integer's value; no control character in any message or log line",
        "test_s20_bad_input_2.py",
        _s20,
    ),
    (
        "S21",
        "Money answers",
        "purchases and renewals answered 301/302/303/307/308 or 101 after being carried out; "
        '200s whose `order_id` is 0, -1, 2**63, 1.5, "12", null, true or absent; a refused '
        "connection, a 429, a 503, resets and truncation on the first purchase attempt",
        "`PurchaseOutcomeUnknownError` for every answer that is not definite, sent once; "
        "retried only when the server provably did not act on it: no connection, or a 429 "
        "refusal (counted on the server)",
        "test_s21_money_answers.py",
        _s21,
    ),
    (
        "S22",
        "Emulator nesting bombs",
        "`[` x 100,000 as the JSON body of purchase, tag, change-billing-cycle and an unknown "
        "route; `[` x 5,000 as calculate's `addons_json`; 20 bombs in a row",
        "400 (404 for the unknown route) in the API's error shape, no traceback; every request "
        "journaled; the emulator keeps serving",
        "test_s22_emulator_nesting.py",
        _s22,
    ),
    (
        "S23",
        "Sub-user and profile passwords",
        "every profile and sub-user read, create and password reset against the emulator, "
        "with answers cut short (retried, failing, and a create of unknown outcome); loopback "
        "answers carrying passwords: a wrong type, `success: false`, 500/400/502 pages quoting "
        "them as JSON, HTML and a form, two sub-users for one id, a create cut short, a body "
        "over the excerpt size; all at DEBUG on the root logger",
        "no password (nor its first 8 characters) in any log line or in the str, repr, vars or "
        "traceback of any error or of any error chained to it; `'***'` in every repr",
        "test_s23_passwords.py",
        _s23,
    ),
    (
        "Soak",
        "Soak (`-m soak`)",
        "100,000-order export under S1's faults at concurrency 4; 100,000 with inserts and "
        "503s; 2,000 concurrent purchases under 5xx, resets, truncation, 429 and timeouts",
        "as S1, S3 and S4, at scale",
        "test_soak.py -m soak",
        _soak,
    ),
]

HEADER = """# Reliability: the hostile-world suite

`tests/hostile/` proves, against the embedded emulator over real loopback sockets (and small
loopback servers where exact bytes matter), that the SDK keeps working, loses nothing, buys
nothing twice and leaks nothing. Every figure below comes from a real run; regenerate this
file with:

```console
.venv/bin/python tests/hostile/report.py            # suite + soak, then rewrites this file
.venv/bin/python -m pytest tests/hostile -q         # the suite alone (part of `make test`)
make soak                                           # the soak alone
```

"""

FOOTER = """
## What the suite found and fixed in the SDK

| where | fault | fix |
|---|---|---|
| `_client.py` | a purchase waiting for a pooled connection timed out as "sent, outcome unknown" (nothing was sent); a 10,000-call burst through a small pool failed 8,098 calls with `timeout=0.5` | attempts take a connection slot (a semaphore sized to the pool) before their timeout starts; the `deadline` still bounds the wait |
| `_client.py` | with `timeout <= connect_timeout`, a purchase whose TCP connect hung was reported "outcome unknown" (aiohttp's total timer won the tie) | the connect phase always ends strictly before the total, unrounded |
| `_client.py` | a server or proxy echoing the Authorization header put the token into exception messages and retry log lines | response bodies and aiohttp error texts are redacted (`***`) before anything is built from them |
| `_client.py` | a 917 KB gzip body inflating to 944 MB was read whole (RSS 42 -> 1,855 MB) under `max_response_bytes=1_000_000`; a deflated 503 page read 63 MB past the 64 KiB cut | bodies are read raw (`auto_decompress=False`) and inflated step by step by `_inflate.py`, stopping at the cap |
| `_client.py`, `_cli.py` | an echoed token leaked through the reason phrase, JSON escapes, aiohttp's 100-byte excerpts and escaped non-ASCII forms, into errors, retry log lines and `--debug` tracebacks | `_redact.Redactor` masks every 8+-character run of the token in any spelling, before and after decoding |
| `_client.py` | masking ran on successful bodies: a 4-character token `7788` turned `"order_id": 77889` into an unknown outcome and a tag `team-7788-prod` into `team-***-prod` | only error texts and logs are masked; keys under 8 characters are refused |
| `_client.py`, `_protocol.py` | a deeply nested JSON body (`[[[[...`) escaped as a bare `RecursionError` | treated as invalid JSON: typed error (retried for reads, unknown outcome for purchases) |
| `_client.py` | bodies over `max_response_bytes` gave an error with an empty body; a huge 5xx page became a non-retried validation error | the error keeps an excerpt; error pages are cut at 64 KiB and keep their status semantics |
| `_protocol.py` | a large wrong-shaped 2xx body was attached to the error whole | kept whole only up to 64 KiB, else an excerpt |
| `_pagination.py` | a server repeating the same orders with ever-new `next` URIs (ignored `offset`, or inserts as fast as the walk reads) looped forever | `PaginationError` when a page repeats the previous page's orders and announces another |
| `_pagination.py` | ever-new `next` URIs over pages repeating with period 2+ or sliding by one order walked past 3,000 pages; `iter(dedupe=True)` made 60,617 requests and logged 1.2 million WARNING lines in 15 s | the progress rule stops such a walk by page 16 with `PaginationError`; URIs and ids remembered are bounded; duplicates are logged at DEBUG with one summary WARNING per walk |
| `_pagination.py` | with `concurrency>1`, inserts during an export plus a delayed page silently dropped orders that existed all along (9-26 per few thousand) | when consecutive pages overlap (the list moved) the pages fetched ahead are refetched in order and fetching ahead stops for that walk, with a WARNING |
| `_client.py` | `retry_policy="fast"` raised attrs' `NotAnAttrsClassError`; `timeout=10**400` raised `OverflowError`; `base_url=""` silently meant production; the whitespace-token message did not name `token` | `ConfigurationError` naming the argument in each case |
| `_retry.py` | `RetryPolicy(base_backoff="x")` raised a bare `TypeError`; `NaN`/`inf` backoffs were accepted | `ConfigurationError` unless a finite number >= 0 |
| `_protocol.py` | with `base_url="https://host/gw"`, page 2 of a walk went to `/user/api/orders?...` outside the prefix (404); a base URL ending in `/user/api` gave a bare 404 on `/user/api/user/api/me` | every request and `next` URI stays under the prefix; a `/user/api` base URL is refused with the URL to use |
| `_validation.py`, `_models.py` | 4,301-digit integers raised a bare `ValueError`; an `int` subclass's `__format__` rewrote a path to `/orders/purchase/tag`; `"P\\ud800"` was sent as `P` | integers beyond 64 bits and lone surrogates raise `InvalidArgumentError`; integers reach the wire as plain `int` |
| `_exceptions.py` | a server's `\\n` in a message or reason phrase started a forged line in logs | control characters in every `APIError` message are escaped |
| `_protocol.py`, `_models.py` | a 3xx or 101 after a purchase was a plain `APIStatusError`; a 200 with `order_id: 0` was a success | both raise `PurchaseOutcomeUnknownError` |
| `emulator/_rules.py`, `_app.py` | `[` x 100,000 in a body or `addons_json` gave a 500 with a `RecursionError` traceback and was left out of the journal | one request-JSON decoder answers 400; the journal records every request |
| `_client.py`, `_slots.py` | `close()` with 1,000 calls in flight gave 980+ of them aiohttp's `RuntimeError: Session is closed` (after retrying), and `calculate_many` of 2,000 quotes collapsed into one `RuntimeError` (S15) | closing wakes every waiting and sleeping call and ends in-flight ones with `ClientClosedError`, never retried; a sent purchase stays `PurchaseOutcomeUnknownError` |
| `_client.py` | a client used from a second event loop failed with "Event loop is closed", "Timeout context manager should be used inside a task" or hung (S16) | the client binds to the loop of its first request and refuses others with `EventLoopMismatchError` before sending |
| `_client.py`, `_slots.py` | on Python 3.10/3.11 a purchase cancelled in the loop step its connection slot was released was sent anyway (`asyncio.wait_for` swallowed the cancel; 20 of 20 trials) (S17) | connection slots are handed over through plain futures: a cancelled waiter passes its slot on and the cancel propagates |
| `_quotes.py` | a `deadline=0.5` caller joining an identical quote in flight under default settings waited 2.95 s for it (S18) | only callers with the same settings share a quote in flight; a caller taking over from a cancelled one keeps its own deadline |

## Known gaps

- **Deletions during an offset walk** (S3, strict xfail): orders deleted before the walk's
  position shift survivors into pages already read; the API returns no total, cursor or
  overlap, so no client can see it. Mitigation: re-run the export and merge by `order_id`
  (`dedupe=True` makes a second pass cheap to reconcile). A real fix needs overlapping pages
  (request `offset - 1` and check the boundary order) or a cursor from the API.
- The emulator's `stall_ms` without `trickle_chunk_bytes` fails inside the emulator
  (`range()` step 0 in `_deliver`); the suite sets `trickle_chunk_bytes` with every stall.
"""


def render(data: dict[str, Any]) -> str:
    scenarios: dict[str, Figures] = data.get("scenarios", {})
    lines = [
        HEADER,
        f"Last run: {data.get('generated_at', '?')}, Python {data.get('python', '?')}, aiohttp "
        f"{data.get('aiohttp', '?')}, {data.get('cpus', '?')} CPUs; tests "
        f"{data.get('tests_seconds', '?')} s, wall {data.get('wall_seconds', '?')} s, "
        f"pytest exit status {data.get('exit_status', '?')}.\n",
        "| # | scenario | injected | must hold | observed | reproduce |",
        "|---|---|---|---|---|---|",
    ]
    for key, title, injected, must, test, observed in ROWS:
        file, _, extra = test.partition(" ")
        command = f"`{PY} tests/hostile/{file} -q{' ' + extra if extra else ''}`"
        cell = observed(scenarios.get("SOAK" if key == "Soak" else key, {}))
        lines.append(f"| {key} | {title} | {injected} | {must} | {cell} | {command} |")
    return "\n".join(lines) + "\n" + FOOTER


def run(soak: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        figures = Path(tmp) / "figures.json"
        env = {**os.environ, "RELIABILITY_REPORT": str(figures)}
        marker = "soak or not soak" if soak else "not soak"
        command = [sys.executable, "-m", "pytest", "tests/hostile", "-q", "-p", "no:cacheprovider"]
        completed = subprocess.run([*command, "-m", marker], cwd=ROOT, env=env, check=False)
        if not figures.exists():
            sys.exit(f"the suite wrote no figures (exit status {completed.returncode})")
        data: dict[str, Any] = json.loads(figures.read_text())
        return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", help="render figures saved in this JSON file")
    parser.add_argument("--no-soak", action="store_true", help="do not run the soak")
    parser.add_argument("--out", default=str(DOC), help=f"where to write (default {DOC})")
    args = parser.parse_args()
    data = json.loads(Path(args.source).read_text()) if args.source else run(not args.no_soak)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(render(data))
    print(f"wrote {args.out}")
    if data.get("exit_status"):
        sys.exit(f"note: the suite failed (exit status {data['exit_status']})")


if __name__ == "__main__":
    main()
