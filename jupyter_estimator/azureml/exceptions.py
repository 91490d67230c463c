from ..core.errors import (ActivityFailedException, ComputeTargetException, ExperimentExecutionException,
                           ModelNotFoundException, ModelPathNotFoundException, RunConfigurationException,
                           SnapshotException, TrainingException, UserErrorException, WebserviceException)

__all__ = ["ActivityFailedException", "ComputeTargetException", "ExperimentExecutionException", "ModelNotFoundException",
           "ModelPathNotFoundException", "RunConfigurationException", "SnapshotException", "TrainingException",
           "UserErrorException", "WebserviceException"]
