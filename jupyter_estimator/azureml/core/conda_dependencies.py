from ...core.conda_dependencies import CondaDependencies

__all__ = ["CondaDependencies"]
