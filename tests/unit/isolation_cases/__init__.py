"""Loaders that the isolation worker imports by reference (``isolation_cases.loaders:...``)."""
