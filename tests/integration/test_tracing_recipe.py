"""The README's OpenTelemetry recipe, run as written against the emulator.

The recipe is read from the README (the code block under "Tracing with OpenTelemetry"), so the
documented code is the tested code. Spans go to an in-memory exporter of a private tracer
provider (no global state).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from proxyorders_async import (
    DatacenterIspPurchase,
    NotFoundError,
    ProxyOrdersClient,
    RetryPolicy,
)
from proxyorders_async.emulator import Emulator

README = Path(__file__).parents[2] / "README.md"
TOKEN = "tok-traced-S3CRET-0123456789"


def recipe() -> Any:
    """``otel_trace_config`` as the README defines it."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Tracing with OpenTelemetry", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the README lost its tracing recipe"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), str(README), "exec"), namespace)
    return namespace["otel_trace_config"]


def texts(span: ReadableSpan) -> list[str]:
    """Everything a span exports as text: name, attributes, events, status, resource."""
    found = [span.name, str(span.status.description)]
    found += [f"{k}={v}" for k, v in (span.attributes or {}).items()]
    for event in span.events:
        found += [event.name, *(f"{k}={v}" for k, v in (event.attributes or {}).items())]
    found += [f"{k}={v}" for k, v in span.resource.attributes.items()]
    return found


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
async def traced(exporter: InMemorySpanExporter) -> Any:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield recipe()(provider.get_tracer("proxyorders-test"))
    provider.shutdown()


async def test_the_recipe_traces_every_attempt_without_the_token(
    exporter: InMemorySpanExporter, traced: aiohttp.TraceConfig
) -> None:
    fast = RetryPolicy(base_backoff=0.001, max_backoff=0.002)
    async with Emulator(token=TOKEN, orders=2) as emulator:
        emulator.faults.set("me", fail_first=1, fail_with=503)
        async with ProxyOrdersClient(
            token=TOKEN, base_url=emulator.url, retry_policy=fast, trace_configs=[traced]
        ) as client:
            await client.account.me()  # a 503, then a 200
            await client.orders.purchase(
                DatacenterIspPurchase(product="Datacenter Proxy", location="DE", cycle="monthly")
            )
            with pytest.raises(NotFoundError):
                await client.orders.get(999_999)
        # A failed attempt (nothing listening any more) ends its span too.
        async with ProxyOrdersClient(
            token=TOKEN, base_url=emulator.url, max_retries=0, trace_configs=[traced]
        ) as client:
            await emulator.stop()
            with pytest.raises(Exception, match="connect"):
                await client.account.me()

    spans = exporter.get_finished_spans()
    summary = [
        (
            s.name,
            s.attributes and s.attributes.get("http.response.status_code"),
            s.attributes and s.attributes.get("error.type"),
        )
        for s in spans
    ]
    assert summary == [
        ("HTTP GET", 503, None),
        ("HTTP GET", 200, None),
        ("HTTP POST", 200, None),
        ("HTTP GET", 404, None),
        ("HTTP GET", None, "ClientConnectorError"),
    ]
    assert all(s.kind is SpanKind.CLIENT for s in spans)
    assert [s.status.status_code for s in spans] == [
        StatusCode.ERROR,
        StatusCode.UNSET,
        StatusCode.UNSET,
        StatusCode.ERROR,
        StatusCode.ERROR,
    ]
    assert spans[0].attributes is not None
    assert spans[0].attributes["url.full"] == f"{emulator.url}/user/api/me"
    for span in spans:
        for text in texts(span):
            assert TOKEN not in text, (span.name, text)
