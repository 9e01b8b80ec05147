"""Strict JSON: what Python's `json` lets through and no column can hold is refused, with a reason.

Python's `json` reads `NaN` and `Infinity` (not JSON), turns `1e400` into an infinite float, recurses
once per nesting level (a body of 100,000 `[` is a RecursionError), keeps lone surrogates
(`"\\ud800"`, which no UTF-8 column can store) and NUL characters (which PostgreSQL text cannot
hold). `strict_json_loads` refuses each (`JSONRefused`), or reads huge numbers as exact `Decimal`s
and lets odd text through when the caller reports them itself (the importer, per record). The
API's parsers (`api.parsers`) and the importer both read JSON through it.
"""

import json
import math
import re
from decimal import Decimal
from typing import Any, NoReturn

MAX_DEPTH = 32
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class JSONRefused(ValueError):
    """A body that is not the strict JSON this API reads."""


def _refuse_constant(name: str) -> NoReturn:
    raise JSONRefused(f"{name} is not a JSON number.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONRefused(f"The number {text[:40]} is out of range.")
    return value


def _check_tree(data: object, *, max_depth: int, allow_unstorable: bool) -> None:
    """Depth of nesting, and strings a database can store; iterative, so any depth is safe to check."""
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            if depth > max_depth:
                raise JSONRefused(f"Nested more than {max_depth} levels deep.")
            for key, item in value.items():
                if not allow_unstorable and UNSTORABLE.search(key):
                    raise JSONRefused("A key holds a lone surrogate or a NUL character.")
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            if depth > max_depth:
                raise JSONRefused(f"Nested more than {max_depth} levels deep.")
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and not allow_unstorable and UNSTORABLE.search(value):
            raise JSONRefused("A string holds a lone surrogate (\\ud800-\\udfff) or a NUL character.")


def strict_json_loads(
    raw: bytes | str,
    *,
    exact_numbers: bool = False,
    allow_unstorable: bool = False,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """Parse strict JSON (see the module docstring); JSONRefused says why a body is refused."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        data = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=Decimal if exact_numbers else _finite_float,
            parse_int=int,
        )
    except JSONRefused:
        raise
    except UnicodeDecodeError:
        raise JSONRefused("The body is not UTF-8.") from None
    except RecursionError:
        raise JSONRefused(f"Nested more than {max_depth} levels deep.") from None
    except ValueError as exc:  # JSONDecodeError, an integer of more than 4,300 digits
        raise JSONRefused(str(exc)) from None
    _check_tree(data, max_depth=max_depth, allow_unstorable=allow_unstorable)
    return data
