from ...client.compute import AmlCompute, ComputeTarget, DockerCompute, LocalCompute, RemoteCompute

__all__ = ["ComputeTarget", "AmlCompute", "RemoteCompute", "LocalCompute", "DockerCompute"]
