from ..._version import __version__ as VERSION  # noqa: F401 (AML exposes azureml.core.VERSION)
from .._lazy import lazy_module

__getattr__, __dir__ = lazy_module(__name__, {
    "Workspace": "jupyter_estimator.client.workspace", "Experiment": "jupyter_estimator.client.experiment", "Run": "jupyter_estimator.client.run",
    "ScriptRun": "jupyter_estimator.client.run:Run", "ScriptRunConfig": "jupyter_estimator.core.script_run_config",
    "Environment": "jupyter_estimator.core.environment", "Model": "jupyter_estimator.client.model", "RunConfiguration": "jupyter_estimator.core.run_configuration",
    "ComputeTarget": "jupyter_estimator.client.compute", "Dataset": "jupyter_estimator.azureml.data:Dataset", "Datastore": "jupyter_estimator.azureml.data:Datastore",
})
