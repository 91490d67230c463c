from ...core.errors import ComputeTargetException

__all__ = ["ComputeTargetException"]
