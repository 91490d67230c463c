"""The demo: a small real training run on the embedded default workspace."""
