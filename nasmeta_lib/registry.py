"""One small registry type, used once per kind (proxies, predictors, searchers, tasks, spaces)."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Callable, Generic, Iterator, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Name -> object, filled by ``@REGISTRY.register("name")`` in the module that defines it.

    An entry may carry ``about``: facts stated where the member is defined (e.g. a proxy's
    direction and source paper), so tables about the members are printed from the registry.
    """

    def __init__(self, kind: str, package: str | None = None):
        """``package``: import its modules on first lookup, so that every member has registered
        itself even when the caller imported none of them (used where importing all members
        eagerly would be costly)."""
        self.kind = kind
        self.package = package
        self._items: dict[str, T] = {}
        self._about: dict[str, Any] = {}

    def _discover(self) -> None:
        if self.package is None:
            return
        package, self.package = importlib.import_module(self.package), None
        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{info.name}")

    def register(self, name: str, about: Any = None) -> Callable[[T], T]:
        def add(obj: T) -> T:
            if name in self._items:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._items[name] = obj
            if about is not None:
                self._about[name] = about
            return obj

        return add

    def about(self, name: str) -> Any:
        """The facts registered with ``name`` (None when none were given)."""
        self[name]  # an unknown name raises the registry's usual error
        return self._about.get(name)

    def __getitem__(self, name: str) -> T:
        self._discover()
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(f"unknown {self.kind} {name!r}; known: {', '.join(sorted(self._items))}") from None

    def __contains__(self, name: object) -> bool:
        self._discover()
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def names(self) -> tuple[str, ...]:
        self._discover()
        return tuple(sorted(self._items))
