"""The environment variables that tell a process which run it belongs to.

The project's own names come first; the AML names are set too so that ported scripts that read
them (and libraries that sniff them) keep working.
"""

from __future__ import annotations

HOME = "JUPYTER_ESTIMATOR_HOME"
RUN_ID = "JUPYTER_ESTIMATOR_RUN_ID"
EXPERIMENT = "JUPYTER_ESTIMATOR_EXPERIMENT"
AML_RUN_ID = "AZUREML_RUN_ID"


def run_environment(home: str, run_id: str, experiment: str, workspace_name: str, outputs: str,
                    target: str, framework: str = "Python", communicator: str = "None") -> dict[str, str]:
    return {
        HOME: home,
        RUN_ID: run_id,
        EXPERIMENT: experiment,
        AML_RUN_ID: run_id,
        "AZUREML_ARM_SUBSCRIPTION": "local",
        "AZUREML_ARM_RESOURCEGROUP": "local",
        "AZUREML_ARM_WORKSPACE_NAME": workspace_name,
        "AZUREML_ARM_PROJECT_NAME": experiment,
        "AZUREML_SERVICE_ENDPOINT": "local",
        "AZUREML_EXPERIMENT_ID": experiment,
        "AZUREML_WORKSPACE_ID": workspace_name,
        "AZUREML_TARGET_TYPE": target,
        "AZUREML_FRAMEWORK": framework,
        "AZUREML_COMMUNICATOR": communicator,
        "AZUREML_OUTPUT_DIRECTORY": outputs,
    }
