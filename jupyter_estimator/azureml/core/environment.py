from ...core.environment import ContainerRegistry, DockerSection, Environment, PythonSection

__all__ = ["Environment", "ContainerRegistry", "DockerSection", "PythonSection"]
