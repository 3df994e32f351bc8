"""Typed, validated chapter parameters.

Parameters are validated before any work starts (and before a notebook kernel is launched):
an unknown key, a value of the wrong type or out of range is a :class:`ParameterError` that
says which parameter, what was given and what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable


class ParameterError(ValueError):
    """Invalid chapter parameters; nothing has been run."""


_TYPES = {"int": int, "float": float, "str": str, "bool": bool}
_ARTICLES = {"int": "an int", "float": "a float", "str": "a str", "bool": "a bool"}
# Integers beyond 32 bits are never meaningful here (seeds, counts, budgets) and crash deep
# inside numpy/torch (seeds must fit their generators), so every int parameter is bounded.
INT_BOUND = 2**32 - 1


@dataclass(frozen=True)
class Param:
    """One parameter: ``kind`` is int, float, str or bool; ``many`` makes it a list of those."""

    name: str
    kind: str
    help: str
    many: bool = False
    choices: tuple | Callable[[], tuple] | None = None
    low: float | None = None
    high: float | None = None
    min_items: int = 1

    def bounds(self) -> tuple[float | None, float | None]:
        """The range a value must lie in: the declared one, and for ints at most 32 bits."""
        if self.kind != "int":
            return self.low, self.high
        low = -INT_BOUND if self.low is None else max(self.low, -INT_BOUND)
        high = INT_BOUND if self.high is None else min(self.high, INT_BOUND)
        return low, high

    def allowed(self) -> tuple | None:
        return self.choices() if callable(self.choices) else self.choices

    def _scalar(self, value: Any) -> Any:
        typ = _TYPES[self.kind]
        if isinstance(value, str) and self.kind != "str":
            text = value.strip()
            try:
                if self.kind == "bool":
                    if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError(text)
                    value = text.lower() in ("true", "1", "yes")
                else:
                    value = typ(text)
            except ValueError:
                raise ParameterError(f"parameter {self.name!r}: {value!r} is not {_ARTICLES[self.kind]}") from None
        if self.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, typ) or (self.kind != "bool" and isinstance(value, bool)):
            raise ParameterError(
                f"parameter {self.name!r}: expected {self.kind}, got {type(value).__name__} {value!r}"
            )
        if self.kind == "float" and not math.isfinite(value):
            raise ParameterError(f"parameter {self.name!r}: {value} is not a finite number")
        if self.kind == "str":
            value = value.strip()
        low, high = self.bounds()
        if low is not None and value < low:
            raise ParameterError(f"parameter {self.name!r}: {value} is below the minimum {low}")
        if high is not None and value > high:
            raise ParameterError(f"parameter {self.name!r}: {value} is above the maximum {high}")
        allowed = self.allowed()
        if allowed is not None and value not in allowed:
            raise ParameterError(
                f"parameter {self.name!r}: {value!r} is not one of {', '.join(map(str, allowed))}"
            )
        return value

    def validate(self, value: Any) -> Any:
        if not self.many:
            if isinstance(value, (list, tuple)):
                raise ParameterError(f"parameter {self.name!r} takes one {self.kind}, got a list")
            return self._scalar(value)
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            value = [value]
        items = [self._scalar(v) for v in value]
        if len(items) < self.min_items:
            raise ParameterError(f"parameter {self.name!r} needs at least {self.min_items} item(s)")
        return items

    def constraint(self, max_choices: int = 12) -> str:
        """Type and allowed values in words, e.g. ``list of int in [1, 100]``."""
        text = f"list of {self.kind}" if self.many else self.kind
        if self.low is not None or self.high is not None:
            low = self.low if self.low is not None else "-inf"
            high = self.high if self.high is not None else "inf"
            text += f" in [{low}, {high}]"
        allowed = self.allowed()
        if allowed is not None:
            shown = ", ".join(map(str, allowed[:max_choices]))
            text += f" from {shown}{', ...' if len(allowed) > max_choices else ''}"
        return text

    def describe(self) -> str:
        return f"{self.name} ({self.constraint()}): {self.help}"


def validate(spec: tuple[Param, ...], values: dict[str, Any]) -> dict[str, Any]:
    """Validate a full or partial mapping against ``spec``; returns coerced values."""
    by_name = {p.name: p for p in spec}
    unknown = sorted(set(values) - set(by_name))
    if unknown:
        raise ParameterError(
            f"unknown parameter(s) {', '.join(unknown)}; this chapter takes: {', '.join(by_name)}"
        )
    return {k: by_name[k].validate(v) for k, v in values.items()}
