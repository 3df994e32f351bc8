"""nasmeta: reproducible, parameterized re-runs of neural architecture search claims."""

__version__ = "0.1.0"
