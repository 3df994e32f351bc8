"""Search strategies, one module each; ``SEARCHERS`` maps a name to its implementation."""

from nasmeta_lib.registry import Registry

SEARCHERS: Registry = Registry("searcher", package=__name__)
