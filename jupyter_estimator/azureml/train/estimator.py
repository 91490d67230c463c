from ...core.estimator import Estimator, Gloo, Mpi, Nccl, ParameterServer

__all__ = ["Estimator", "Mpi", "Gloo", "Nccl", "ParameterServer"]
