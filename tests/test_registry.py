"""The shared registry type: duplicate names refused, unknown names listed, lazy discovery."""

from __future__ import annotations

import pytest

from nasmeta_lib.registry import Registry


def test_register_lookup_and_errors():
    reg: Registry = Registry("widget")
    reg.register("a")(1)
    assert reg["a"] == 1 and "a" in reg and reg.names() == ("a",)
    with pytest.raises(ValueError, match="registered twice"):
        reg.register("a")(2)
    with pytest.raises(KeyError, match="unknown widget 'b'; known: a"):
        reg["b"]


def test_searchers_discover_their_modules_lazily():
    from nasmeta_lib.searchers import SEARCHERS

    assert {"robot", "random"} <= set(SEARCHERS.names())
