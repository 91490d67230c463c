from ...core.estimator import Chainer, Gloo, Mpi, Nccl, ParameterServer, PyTorch, TensorFlow

__all__ = ["PyTorch", "TensorFlow", "Chainer", "Mpi", "Gloo", "Nccl", "ParameterServer"]
