"""covcore's benchmark harness: overhead of every core next to coverage.py and SlipCover.

Run ``python -m benchmarks --help`` (or ``make bench``) from the repository root.
"""
