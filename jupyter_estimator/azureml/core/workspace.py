from ...client.workspace import Workspace

__all__ = ["Workspace"]
