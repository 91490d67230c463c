from ...client.model import Model

__all__ = ["Model"]
