"""The one cattrs converter of the SDK, built once by :func:`make_converter`.

The converter is lenient about shape (unknown keys are ignored, so API additions never break
parsing) and strict about types: ``"5"`` is not an int and ``"false"`` is not a bool, because
silently coercing them would turn a server bug into a wrong order or a flipped setting.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from operator import itemgetter
from typing import Any, TypeVar, get_origin, get_type_hints

import attrs
import cattrs
from cattrs.cols import homogenous_tuple_structure_factory, is_sequence
from cattrs.gen import make_dict_structure_fn

from ._models import Order, OrderPage, PriceQuote, slot_setters


def orjson_is_safe(version: str) -> bool:
    """Whether this orjson refuses nesting bombs (3.9.15 and later cap the depth at 1,024).

    Older releases parse a body 100,000 levels deep into lists that nothing can then print or
    walk without ``RecursionError``; the stdlib refuses such a body, so it is used instead.
    """
    numbers = tuple(int(part) for part in re.findall(r"\d+", version)[:3])
    return numbers >= (3, 9, 15)


_orjson_loads: Callable[[bytes], Any] | None
try:  # the optional ``speed`` extra
    import orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson_loads = None
else:
    _orjson_loads = orjson.loads if orjson_is_safe(orjson.__version__) else None

T = TypeVar("T")


def parse_datetime(value: str) -> datetime:
    """Parse an ISO 8601 string into an aware datetime (naive values are taken as UTC)."""
    # Python 3.10's fromisoformat rejects the "Z" suffix the API may send.
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _structure_datetime(value: Any, _type: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")
    return parse_datetime(value)


def _strict(kind: type[T]) -> Any:
    name = kind.__name__

    def hook(value: Any, _type: Any) -> T:
        # type() rather than isinstance(): bool is an int subclass, and True is no order id.
        if type(value) is not kind:
            raise TypeError(f"expected {name}, got {type(value).__name__}")
        return value  # type: ignore[no-any-return,unused-ignore]

    return hook


def make_converter() -> cattrs.Converter:
    """A new cattrs converter that reads and writes the SDK's models as the API does.

    Integer cents and strict ints, strs and bools, aware datetimes (ISO 8601 out), arrays only
    where the API sends arrays, unknown keys ignored. Each call builds a fresh converter, so
    registering your own hooks on it changes nothing inside the SDK.
    """
    converter = cattrs.Converter(forbid_extra_keys=False)
    for kind in (int, str, bool):
        converter.register_structure_hook(kind, _strict(kind))
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_structure_hook_factory(is_sequence, _array_only)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    register_model_hooks(converter)
    return converter


def register_model_hooks(converter: cattrs.Converter) -> None:
    """Structure every attrs model from a JSON object only.

    cattrs' generated functions look fields up with ``in``, which a list or a string also
    answers: a model whose fields are all optional (API 1.1.0's order detail, add-on lines,
    quotes) would turn ``[]`` or ``"oops"`` into an empty model instead of an error.
    """
    converter.register_structure_hook_factory(_is_model, _object_only)


def _is_model(kind: Any) -> bool:
    return attrs.has(get_origin(kind) or kind)  # generic aliases too: GeoList[Country]


def _object_only(kind: Any, converter: cattrs.BaseConverter) -> Any:
    # The converter's own settings ("from_converter"), as its default attrs hook has them.
    structure = make_dict_structure_fn(kind, converter)

    def hook(value: Any, _type: Any) -> Any:
        if not isinstance(value, dict):
            raise TypeError(f"expected an object, got {type(value).__name__}")
        return structure(value, _type)

    return hook


def _structure_float(value: Any, _type: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return float(value)


def _array_only(kind: Any, converter: cattrs.BaseConverter) -> Any:
    # cattrs turns any iterable into a tuple: "monthly" would become ('m', 'o', ...) and {} ().
    structure = homogenous_tuple_structure_factory(kind, converter)

    def hook(value: Any, _type: Any) -> Any:
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"expected an array, got {type(value).__name__}")
        return structure(value, _type)

    return hook


def describe_error(exc: BaseException) -> str:
    """A one-line summary of a structuring failure, with JSON paths (``$.orders[3].tag``)."""
    if isinstance(exc, cattrs.BaseValidationError):
        messages = cattrs.transform_error(exc)
        shown = "; ".join(messages[:5])
        more = f" (+{len(messages) - 5} more)" if len(messages) > 5 else ""
        return shown + more
    return f"{type(exc).__name__}: {exc}"


CONVERTER = make_converter()
# The SDK's own converter, built once; callers build theirs with make_converter().


# ---------------------------------------------------------------------------------------------
# Fast paths of the hot spots. Each accepts only input that the converter would turn into the
# same value, and answers None for anything else, so that the converter decides (and names the
# offending field): results and errors are the converter's, only the common case is cheaper.


first_loads: Callable[[bytes], Any] = _orjson_loads or json.loads
"""The first parser :func:`loads_json` tries; the stdlib decides whatever it refuses."""


def loads_json(body: bytes) -> Any:
    """Parse a response body: with orjson when installed, else (or when it refuses) the stdlib.

    Anything orjson rejects (NaN, non-UTF-8, lone surrogates) is parsed by :func:`json.loads`,
    so results and errors are the stdlib's; one difference remains: orjson reads an integer
    outside the 64-bit range as a float, which the strict int hooks then refuse.
    """
    if _orjson_loads is not None:
        try:
            return _orjson_loads(body)
        except ValueError:
            pass
    return json.loads(body)


# The fields the order fast path was written for; any change to Order disables it (a unit test
# then fails) rather than letting it build orders the converter would not.
_ORDER_FIELDS: dict[str, Any] = {
    "order_id": int,
    "product_id": int,
    "product_name": str,
    "cycle_id": int,
    "cycle_name": str,
    "expires_at": datetime | None,
    "auto_renewal": bool | None,
    "tag": str | None,
}


def _order_setters() -> tuple[Callable[[Order, Any], None], ...] | None:
    fields = attrs.fields(Order)
    plain = all(
        f.validator is None and f.converter is None and f.default in (attrs.NOTHING, None)
        for f in fields
    )
    if (
        not plain
        or [f.name for f in fields] != list(_ORDER_FIELDS)
        or get_type_hints(Order) != _ORDER_FIELDS
        or hasattr(Order, "__attrs_post_init__")
        or "__slots__" not in Order.__dict__
    ):
        return None
    # The slots' own descriptors: what the generated frozen __init__ does, minus the call.
    return tuple(Order.__dict__[name].__set__ for name in _ORDER_FIELDS)


_ORDER_SETTERS = _order_setters()
_ORDER_GETTER = itemgetter(*_ORDER_FIELDS)
UTC = timezone.utc
ORDER_FAST_PATH = _ORDER_SETTERS is not None
"""Whether :func:`structure_orders` is active (it is unless ``Order`` changed shape)."""


def structure_orders(items: Any) -> tuple[Order, ...] | None:
    """A JSON array of orders as ``Order`` objects, or None if the converter must decide.

    Same result as ``CONVERTER.structure(items, tuple[Order, ...])`` for a list of dicts with
    the expected types, at a third of the cost: type checks inline, no per-field hook calls.
    """
    if _ORDER_SETTERS is None or type(items) is not list:
        return None
    set_id, set_pid, set_pname, set_cid, set_cname, set_expires, set_renew, set_tag = _ORDER_SETTERS
    new, fields, fromiso, utc = object.__new__, _ORDER_GETTER, datetime.fromisoformat, UTC
    orders: list[Order] = []
    append = orders.append
    try:
        for item in items:
            if type(item) is not dict:
                return None
            try:
                order_id, product_id, pname, cycle_id, cname, expires, renew, tag = fields(item)
            except KeyError:  # optional fields may be absent; required ones raise again here
                get = item.get
                order_id, product_id = item["order_id"], item["product_id"]
                pname, cycle_id, cname = item["product_name"], item["cycle_id"], item["cycle_name"]
                expires, renew, tag = get("expires_at"), get("auto_renewal"), get("tag")
            # type() rather than isinstance(), as in the strict hooks: True is no order id.
            if (
                not (int is type(order_id) is type(product_id) is type(cycle_id))
                or not (str is type(pname) is type(cname))
                or (renew is not None and type(renew) is not bool)
                or (tag is not None and type(tag) is not str)
            ):
                return None
            if expires is not None:
                if type(expires) is not str:
                    return None
                try:
                    # Python >= 3.11 reads a "Z" suffix exactly as parse_datetime does.
                    expires = fromiso(expires)
                except ValueError:
                    expires = parse_datetime(expires)  # "Z" on 3.10; raises if not ISO 8601
                if expires.tzinfo is None:
                    expires = expires.replace(tzinfo=utc)
            order = new(Order)
            set_id(order, order_id)
            set_pid(order, product_id)
            set_pname(order, pname)
            set_cid(order, cycle_id)
            set_cname(order, cname)
            set_expires(order, expires)
            set_renew(order, renew)
            set_tag(order, tag)
            append(order)
    except (KeyError, ValueError):  # a missing field, an unparsable date
        return None
    return tuple(orders)


@attrs.frozen(kw_only=True)
class _PageBody:
    orders: tuple[Order, ...]
    count: int | None = None
    next: str | None = None
    prev: str | None = None


_structure_page = CONVERTER.get_structure_hook(_PageBody)


def decode_page(data: Any, url: str = "") -> OrderPage:
    """Decode a ``GET /user/api/orders`` body into an :class:`OrderPage` fetched from ``url``.

    The page carries the server's ``next`` as sent: the walk decides whether to follow it.
    """
    if type(data) is dict:
        orders = structure_orders(data.get("orders"))
        count, next_uri, prev_uri = data.get("count"), data.get("next"), data.get("prev")
        if (
            orders is not None
            and (count is None or type(count) is int)
            and (next_uri is None or type(next_uri) is str)
            and (prev_uri is None or type(prev_uri) is str)
        ):
            if count is None:
                count = len(orders)
            return OrderPage(orders=orders, count=count, next=next_uri, prev=prev_uri, url=url)
    # Anything unusual: the converter decides, and its error names the offending field.
    body: _PageBody = _structure_page(data, _PageBody)
    count = len(body.orders) if body.count is None else body.count
    return OrderPage(orders=body.orders, count=count, next=body.next, prev=body.prev, url=url)


# PriceQuote's fields, all ``int | None`` defaulting to None; any change disables the fast path.
_QUOTE_FIELDS = (
    "original_price",
    "final_price",
    "discount_percent",
    "addons_price",
    "total_with_addons",
)


def _quote_fast_path() -> bool:
    fields = attrs.fields(PriceQuote)
    return (
        [f.name for f in fields] == list(_QUOTE_FIELDS)
        and all(f.validator is None and f.converter is None and f.default is None for f in fields)
        and set(get_type_hints(PriceQuote).values()) == {int | None}
        and slot_setters(PriceQuote, _QUOTE_FIELDS) is not None
        and not hasattr(PriceQuote, "__attrs_post_init__")
    )


QUOTE_FAST_PATH = _quote_fast_path()
"""Whether :func:`decode_quote` skips the converter (it does unless ``PriceQuote`` changed)."""
_structure_quote = CONVERTER.get_structure_hook(PriceQuote)
# The slots of the frozen PriceQuote, set as its attrs-made __init__ sets them (bypassing the
# frozen __setattr__), at half the cost: one quote is built per call.
_new_quote = object.__new__
if QUOTE_FAST_PATH:
    _set_a, _set_b, _set_c, _set_d, _set_e = slot_setters(PriceQuote, _QUOTE_FIELDS) or ()


def decode_quote(data: Any) -> PriceQuote:
    """A price quote body as :class:`PriceQuote`: the converter's result, at a third of its cost
    when every field is an int or null (one is decoded per quote)."""
    if QUOTE_FAST_PATH and type(data) is dict:
        # Written out: five lookups cost a third of one map() over the names.
        a, b = data.get("original_price"), data.get("final_price")
        c, d = data.get("discount_percent"), data.get("addons_price")
        e = data.get("total_with_addons")
        # type() rather than isinstance(), as in the strict hooks: True is no price.
        if (
            (a is None or type(a) is int)
            and (b is None or type(b) is int)
            and (c is None or type(c) is int)
            and (d is None or type(d) is int)
            and (e is None or type(e) is int)
        ):
            quote = _new_quote(PriceQuote)
            _set_a(quote, a)
            _set_b(quote, b)
            _set_c(quote, c)
            _set_d(quote, d)
            _set_e(quote, e)
            return quote
    return _structure_quote(data, PriceQuote)  # type: ignore[no-any-return,unused-ignore]
