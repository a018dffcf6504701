"""Helper package for p107: only one of its modules is imported."""
