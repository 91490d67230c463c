"""Launching and supervising runs. The supervisor path imports the standard library alone, so a
submission pays only for Python's start-up."""
