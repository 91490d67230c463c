from ...client.compute import AmlCompute, ComputeTarget, LocalCompute, RemoteCompute

__all__ = ["ComputeTarget", "AmlCompute", "RemoteCompute", "LocalCompute"]
