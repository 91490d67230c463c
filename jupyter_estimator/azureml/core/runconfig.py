from ...core.environment import DEFAULT_CPU_IMAGE, DEFAULT_GPU_IMAGE
from ...core.run_configuration import (DockerConfiguration, MpiConfiguration, ParallelTaskConfiguration,
                                       PyTorchConfiguration, RunConfiguration, TensorflowConfiguration)

__all__ = ["RunConfiguration", "MpiConfiguration", "PyTorchConfiguration", "TensorflowConfiguration",
           "DockerConfiguration", "ParallelTaskConfiguration", "DEFAULT_CPU_IMAGE", "DEFAULT_GPU_IMAGE"]
