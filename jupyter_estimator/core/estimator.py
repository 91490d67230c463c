"""`Estimator` (and the framework estimators) with AML v1's keyword-only signature and validation.

Deviation from AML, on purpose: `use_docker` defaults to *auto* (None) — Docker only when a Docker
target or an image is asked for — because a local notebook user expects `compute_target='local'`
to run locally. Pass `use_docker=True` for AML's behaviour.
"""

from __future__ import annotations

import copy
from types import SimpleNamespace
import logging
import os
from pathlib import Path
from typing import Any

from .limits import MAX_RUN_DURATION_SECONDS, valid_duration
from .conda_dependencies import CondaDependencies
from .environment import DEFAULT_CPU_IMAGE, DEFAULT_GPU_IMAGE, Environment, read_requirements
from .errors import CapabilityNotAvailable, TrainingException, invalid
from .paths import resolve_inside
from .run_configuration import (DockerConfiguration, MpiConfiguration, PyTorchConfiguration, RunConfiguration,
                                TensorflowConfiguration, _check_shm_size, target_name)
from .script_params import flatten_script_params
from .script_run_config import ScriptRunConfig, apply_distributed

log = logging.getLogger(__name__)
_UNSET = object()


# Legacy distributed_training objects ------------------------------------------------------------
class Mpi:
    def __init__(self, process_count_per_node: int = 1) -> None:
        self.process_count_per_node = process_count_per_node


class Gloo:
    pass


class Nccl:
    pass


class ParameterServer:
    def __init__(self, worker_count: int = 1, parameter_server_count: int = 1) -> None:
        self.worker_count, self.parameter_server_count = worker_count, parameter_server_count


_warned: set[str] = set()


def _warn_deprecated_once(name: str) -> None:
    if name not in _warned:
        _warned.add(name)
        log.warning("'%s' is deprecated in Azure ML; jupyter_estimator keeps it working. ScriptRunConfig is the "
                    "newer form of the same thing.", name)


def _err(field: str, value: Any, problem: str, fix: str) -> TrainingException:
    return invalid(field, value, problem, fix, TrainingException)


class Estimator:
    _SUPPORTED_BACKENDS: tuple[str, ...] = ("mpi",)
    FRAMEWORK_NAME: str | None = None

    def __init__(self, source_directory: str | None, *, compute_target: Any = None, vm_size: str | None = None,
                 vm_priority: str | None = None, entry_script: str | None = None, script_params: dict | None = None,
                 node_count: int = 1, process_count_per_node: int = 1, distributed_backend: str | None = None,
                 distributed_training: Any = None, use_gpu: bool = False, use_docker: bool | None = None,
                 custom_docker_base_image: str | None = None, custom_docker_image: str | None = None,
                 image_registry_details: Any = None, user_managed: bool = False, conda_packages: list | None = None,
                 pip_packages: list | None = None, conda_dependencies_file_path: str | None = None,
                 pip_requirements_file_path: str | None = None, conda_dependencies_file: str | None = None,
                 pip_requirements_file: str | None = None, environment_variables: dict | None = None,
                 environment_definition: Environment | None = None, inputs: list | None = None,
                 source_directory_data_store: Any = None, shm_size: str | None = None, resume_from: Any = None,
                 max_run_duration_seconds: int | None = None, _disable_validation: bool = True,
                 _show_lint_warnings: bool = False, _show_package_warnings: bool = False,
                 _framework_packages: list[str] | None = None, _inline_files: dict[str, str] | None = None,
                 _deprecation_warning: bool = True) -> None:
        if _deprecation_warning:  # AML's warning; not for our own magics and forms
            _warn_deprecated_once(type(self).__name__)
        a = SimpleNamespace(**{k: v for k, v in locals().items() if k not in ("self", "_deprecation_warning")})
        self._check_what(a)
        self._check_scale(a)
        self._check_environment(a)
        self._check_limits(a)
        self._build(a)

    def _check_what(self, a: SimpleNamespace) -> None:
        """Where the code is, what runs, on which target."""
        self._inline_files = dict(a._inline_files or {})  # e.g. a %%estimator cell, laid over the snapshot
        self._inline_only = a.source_directory is None and bool(self._inline_files)
        self.source_directory = str(a.source_directory) if a.source_directory else "."
        if not isinstance(self.source_directory, str) or not Path(self.source_directory).is_dir():
            raise _err("source_directory", a.source_directory, "is not an existing folder", "pass the folder that holds your script")
        if a.compute_target is None and a.vm_size is None:
            raise _err("compute_target", None, "Either compute target or VM size should be specified",
                       "pass compute_target='local' (or a target name)")
        if a.vm_priority is not None and a.vm_priority not in ("dedicated", "lowpriority"):
            raise _err("vm_priority", a.vm_priority, "must be 'dedicated' or 'lowpriority'", "pass vm_priority='dedicated'")
        a.target = target_name(a.compute_target) if a.compute_target is not None else "local"
        if not a.entry_script or not isinstance(a.entry_script, str):
            raise _err("entry_script", a.entry_script, "an Estimator needs the script to run",
                       "pass entry_script='train.py' (relative to source_directory)")
        self._check_entry_script(a.entry_script)
        self._script_params = copy.copy(a.script_params) if a.script_params is not None else None
        flatten_script_params(a.script_params)  # validate now; flattened at submit so overrides apply

    def _check_scale(self, a: SimpleNamespace) -> None:
        """Nodes, processes and the distributed backend."""
        for field, value in (("node_count", a.node_count), ("process_count_per_node", a.process_count_per_node)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise _err(field, value, "must be an int >= 1", f"pass {field}=1")
        if a.distributed_backend is not None and a.distributed_training is not None:
            raise _err("distributed_backend", a.distributed_backend, "distributed_backend and distributed_training are exclusive",
                       "pass only distributed_training")
        if a.distributed_backend is not None and (not isinstance(a.distributed_backend, str)
                                                or a.distributed_backend.lower() not in self._SUPPORTED_BACKENDS):
            raise _err("distributed_backend", a.distributed_backend, f"{type(self).__name__} supports {list(self._SUPPORTED_BACKENDS)}",
                       f"pass distributed_backend='{self._SUPPORTED_BACKENDS[0]}' or use distributed_training")
        if a.node_count > 1 and a.distributed_backend is None and a.distributed_training is None:
            raise _err("node_count", a.node_count, "more than one node needs distributed_backend or distributed_training",
                       "pass distributed_training=Mpi() (or PyTorchConfiguration…)")
        if a.process_count_per_node > 1 and a.distributed_backend != "mpi" and not isinstance(a.distributed_training, (Mpi, MpiConfiguration)):
            raise _err("process_count_per_node", a.process_count_per_node, "is only used with MPI",
                       "pass distributed_training=Mpi(process_count_per_node=N)")

    def _check_environment(self, a: SimpleNamespace) -> None:
        """Docker image, packages and an explicit environment: what contradicts itself."""
        if a.custom_docker_base_image is not None and a.custom_docker_image is not None:
            raise _err("custom_docker_base_image", a.custom_docker_base_image, "is the deprecated alias of custom_docker_image; both were given",
                       "pass only custom_docker_image")
        a.image = image = a.custom_docker_image or a.custom_docker_base_image
        if image is not None and (not isinstance(image, str) or not image.strip()):
            raise _err("custom_docker_image", image, "must be an image reference", "pass e.g. 'python:3.11-slim'")
        if a.use_docker is not None and not isinstance(a.use_docker, bool):
            raise _err("use_docker", a.use_docker, "must be True, False or None (auto)", "pass use_docker=True")
        if a.use_docker is False and image is not None:
            raise _err("use_docker", a.use_docker, "a custom Docker image needs Docker", "drop custom_docker_image or set use_docker=True")
        if a.shm_size is not None:
            _check_shm_size(a.shm_size)
        self._check_packages(a)

    def _check_packages(self, a: SimpleNamespace) -> None:
        """Package lists and files: which combinations AML refuses."""
        if a.conda_dependencies_file and a.conda_dependencies_file_path:
            raise _err("conda_dependencies_file", a.conda_dependencies_file, "conda_dependencies_file and conda_dependencies_file_path are the same setting",
                       "pass only conda_dependencies_file")
        if a.pip_requirements_file and a.pip_requirements_file_path:
            raise _err("pip_requirements_file", a.pip_requirements_file, "pip_requirements_file and pip_requirements_file_path are the same setting",
                       "pass only pip_requirements_file")
        a.conda_file = a.conda_dependencies_file or a.conda_dependencies_file_path
        a.pip_file = a.pip_requirements_file or a.pip_requirements_file_path
        if a.conda_file and a.pip_file:
            raise _err("pip_requirements_file", a.pip_file, "a conda dependencies file and a pip requirements file are mutually exclusive",
                       "put the pip packages under `- pip:` in the conda file")
        if a.conda_file and (a.conda_packages or a.pip_packages):
            raise _err("conda_dependencies_file", a.conda_file, "replaces the package lists, so conda_packages/pip_packages cannot be given with it",
                       "add the packages to the conda file")
        package_args = {k: v for k, v in (("conda_packages", a.conda_packages), ("pip_packages", a.pip_packages),
                                           ("conda_dependencies_file", a.conda_file), ("pip_requirements_file", a.pip_file)) if v}
        if a.user_managed and package_args:
            field = next(iter(package_args))
            raise _err(field, package_args[field], "user_managed=True uses your interpreter as it is, so no packages can be installed",
                       "drop the packages or set user_managed=False")
        if a.environment_variables is not None and (not isinstance(a.environment_variables, dict)
                                                   or not all(isinstance(k, str) and k for k in a.environment_variables)):
            raise _err("environment_variables", a.environment_variables, "must be a dict of name -> value", "pass e.g. {'OMP_NUM_THREADS': '1'}")
        if a.environment_definition is not None:
            if not isinstance(a.environment_definition, Environment):
                raise _err("environment_definition", a.environment_definition, "must be an Environment", "pass Environment('name')")
            clashes = {k: v for k, v in (("pip_packages", a.pip_packages), ("conda_packages", a.conda_packages),
                                         ("conda_dependencies_file", a.conda_file), ("pip_requirements_file", a.pip_file),
                                         ("custom_docker_image", a.image), ("use_gpu", a.use_gpu or None),
                                         ("user_managed", a.user_managed or None), ("shm_size", a.shm_size),
                                         ("environment_variables", a.environment_variables)) if v}
            if clashes:
                field = next(iter(clashes))
                raise _err(field, clashes[field], "cannot be combined with environment_definition, which already says it",
                           "set it on the Environment instead, or drop environment_definition")

    def _check_limits(self, a: SimpleNamespace) -> None:
        """Duration, inputs and the GPU flag."""
        if not valid_duration(a.max_run_duration_seconds):
            raise _err("max_run_duration_seconds", a.max_run_duration_seconds,
                       f"must be a whole number of seconds from 1 to {MAX_RUN_DURATION_SECONDS} (a year)",
                       "pass e.g. max_run_duration_seconds=3600")
        if a.inputs is not None and not isinstance(a.inputs, list):
            raise _err("inputs", a.inputs, "must be a list of dataset consumption configs", "pass inputs=[ds.as_named_input('train')]")
        if not isinstance(a.use_gpu, bool):
            raise _err("use_gpu", a.use_gpu, "must be True or False", "pass use_gpu=False")

    def _build(self, a: SimpleNamespace) -> None:
        """The run configuration in AML's layout, from the checked arguments."""
        run_config = RunConfiguration(framework="Python")
        run_config.target = a.target
        run_config.node_count = a.node_count
        run_config.max_run_duration_seconds = a.max_run_duration_seconds
        run_config.amlcompute.vm_size, run_config.amlcompute.vm_priority = a.vm_size, a.vm_priority
        if a.environment_definition is not None:
            run_config.environment = a.environment_definition
            wants_docker = a.environment_definition.docker.enabled
            run_config.docker = DockerConfiguration(use_docker=bool(wants_docker), shm_size=a.environment_definition.docker.shm_size)
        else:
            self._build_environment(a, run_config)
        if a.distributed_backend is not None:
            a.distributed_training = self._backend_to_config(a.distributed_backend.lower(), a.node_count, a.process_count_per_node)
        if a.distributed_training is not None:
            apply_distributed(run_config, self._legacy_to_config(a.distributed_training, a.node_count))
        self.run_config = run_config
        self._entry_script = a.entry_script
        self._inputs = list(a.inputs or [])
        self._resume_from = a.resume_from
        self._source_directory_data_store = a.source_directory_data_store
        self._use_gpu = a.use_gpu

    def _build_environment(self, a: SimpleNamespace, run_config: RunConfiguration) -> None:
        """The environment an Estimator makes when none is given."""
        env = Environment("estimator-environment")
        env.environment_variables = {}
        env.python.user_managed_dependencies = bool(a.user_managed)
        if a.conda_file:
            env.python.conda_dependencies = CondaDependencies(conda_dependencies_file_path=self._in_source(a.conda_file, "conda_dependencies_file"))
        else:
            deps = CondaDependencies.create(conda_packages=a.conda_packages, pip_packages=None)
            pip_lines = list(_package_list(a.pip_packages, "pip_packages")) + list(a._framework_packages or [])
            if a.pip_file:
                pip_lines += read_requirements(Path(self._in_source(a.pip_file, "pip_requirements_file")), "pip_requirements_file")
            if pip_lines:
                deps.set_pip_requirements(CondaDependencies.merge_requirements([l for l in pip_lines if not l.startswith("-")]))
                for option in (l for l in pip_lines if l.startswith("-")):
                    deps.set_pip_option(option)
            env.python.conda_dependencies = deps
        if a.image is not None:
            env.docker.base_image = a.image
        else:
            env.docker.base_image = DEFAULT_GPU_IMAGE if a.use_gpu else DEFAULT_CPU_IMAGE
        env.docker.gpu_support = a.use_gpu
        if a.image_registry_details is not None:
            env.docker.base_image_registry = a.image_registry_details
        docker_wanted = a.use_docker if a.use_docker is not None else a.image is not None
        env.docker.enabled = bool(docker_wanted)
        if a.shm_size is not None:
            env.docker.shm_size = a.shm_size
        run_config.environment = env
        run_config.docker = DockerConfiguration(use_docker=bool(docker_wanted), shm_size=a.shm_size or "2g")
        run_config.environment_variables = dict(a.environment_variables or {})


    # helpers ----------------------------------------------------------------------------------
    def _check_entry_script(self, entry_script: str) -> None:
        if entry_script.endswith(".ipynb"):
            raise CapabilityNotAvailable("entry_script: notebook runs (.ipynb) are not available in this version. "
                                         "Fix: export the notebook to a .py script (jupyter nbconvert --to script).",
                                         field="entry_script")
        root = Path(self.source_directory).resolve()
        script = resolve_inside(root, entry_script, "entry_script", f"source_directory {str(root)!r}",
                                "pass a path relative to source_directory, or move the script into it")
        if entry_script in self._inline_files:
            return
        if not script.is_file():
            raise _err("entry_script", entry_script, f"no such file in source_directory {str(root)!r}",
                       "check the name, or the source_directory")

    def _in_source(self, relative: str, field: str) -> str:
        path = Path(relative) if os.path.isabs(relative) else Path(self.source_directory) / relative
        if not path.is_file():
            raise _err(field, relative, f"no such file (looked in {self.source_directory!r})", "give a path relative to source_directory")
        return str(path)

    def _backend_to_config(self, backend: str, node_count: int, process_count_per_node: int) -> Any:
        if backend == "mpi":
            return MpiConfiguration(process_count_per_node=process_count_per_node, node_count=node_count)
        if backend in ("gloo", "nccl"):
            return PyTorchConfiguration(communication_backend=backend, node_count=node_count)
        return TensorflowConfiguration(worker_count=node_count)

    def _legacy_to_config(self, config: Any, node_count: int) -> Any:
        if isinstance(config, Mpi):
            return MpiConfiguration(process_count_per_node=config.process_count_per_node, node_count=node_count)
        if isinstance(config, (Gloo, Nccl)):
            return PyTorchConfiguration(communication_backend="gloo" if isinstance(config, Gloo) else "nccl", node_count=node_count)
        if isinstance(config, ParameterServer):
            return TensorflowConfiguration(config.worker_count, config.parameter_server_count)
        return config  # core configs are validated by apply_distributed

    # AML attributes -----------------------------------------------------------------------------
    @property
    def conda_dependencies(self) -> CondaDependencies:
        return self.run_config.environment.python.conda_dependencies

    @property
    def script_params(self) -> dict | None:
        return self._script_params

    def _as_script_run_config(self, **overrides: Any) -> ScriptRunConfig:
        """The ScriptRunConfig this estimator submits as; only script_params/inputs may be overridden."""
        allowed = {"script_params", "inputs", "source_directory_data_store"}
        unknown = sorted(set(overrides) - allowed)
        if unknown:
            raise _err(unknown[0], overrides[unknown[0]], "cannot be overridden at submit",
                       "only script_params, inputs and source_directory_data_store can; change the Estimator instead")
        params = overrides.get("script_params", self._script_params)
        if "script_params" in overrides and isinstance(params, dict) and isinstance(self._script_params, dict):
            params = {**self._script_params, **params}
        inputs = overrides.get("inputs", self._inputs)
        if inputs:
            raise CapabilityNotAvailable("inputs: datasets are not available in this version. Fix: read data from a path "
                                         "the script can see and pass it in script_params.", field="inputs")
        if self._resume_from is not None:
            raise CapabilityNotAvailable("resume_from: checkpoint references need datasets, not available in this version. "
                                         "Fix: pass the checkpoint path in script_params.", field="resume_from")
        config = ScriptRunConfig(self.source_directory, script=self._entry_script,
                                 arguments=flatten_script_params(params), run_config=copy.copy(self.run_config))
        config._estimator_gpu = self._use_gpu  # type: ignore[attr-defined]
        config._inline_files, config._inline_only = self._inline_files, self._inline_only  # type: ignore[attr-defined]
        return config


def _package_list(packages: Any, field: str) -> list[str]:
    from .conda_dependencies import _package_list as check
    return check(packages, field)


def _installed_version(package: str) -> str | None:
    """The version the submitting interpreter has (what the notebook was tried with), if any."""
    from importlib import metadata
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


class _FrameworkEstimator(Estimator):
    FRAMEWORK_PACKAGE = ""
    DEFAULT_VERSION: str | None = None

    def __init__(self, source_directory: str | None, *, framework_version: str | None = None,
                 _enable_optimized_mode: bool = False, **kwargs: Any) -> None:
        if framework_version is not None and (not isinstance(framework_version, str) or not framework_version[:1].isdigit()):
            raise _err("framework_version", framework_version, "must be a version string", "pass e.g. framework_version='2.3'")
        if framework_version is None:
            framework_version = _installed_version(self.FRAMEWORK_PACKAGE)
            log.warning("framework_version is not specified: %s uses %s, %s (Azure ML defaulted to an old pinned "
                        "version).", type(self).__name__, self.FRAMEWORK_PACKAGE,
                        f"{framework_version} as installed here" if framework_version else "the newest release")
        self.framework_version = framework_version
        packages = [] if kwargs.get("user_managed") or kwargs.get("environment_definition") or kwargs.get("conda_dependencies_file") \
            else [self.FRAMEWORK_PACKAGE + (f"=={framework_version}" if framework_version else "")]
        super().__init__(source_directory, _framework_packages=packages, **kwargs)

    @classmethod
    def get_supported_versions(cls) -> list[str]:
        """Any release on the package index installs; this lists the ones Azure ML shipped images for."""
        return list(getattr(cls, "_AML_VERSIONS", []))


class PyTorch(_FrameworkEstimator):
    FRAMEWORK_NAME, FRAMEWORK_PACKAGE = "PyTorch", "torch"
    _SUPPORTED_BACKENDS = ("mpi", "gloo", "nccl")
    _AML_VERSIONS = ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6"]

    def __init__(self, source_directory: str | None, **kwargs: Any) -> None:
        super().__init__(source_directory, **kwargs)
        self.run_config.environment_variables.setdefault("NCCL_TREE_THRESHOLD", "0")


class TensorFlow(_FrameworkEstimator):
    FRAMEWORK_NAME, FRAMEWORK_PACKAGE = "TensorFlow", "tensorflow"
    _SUPPORTED_BACKENDS = ("mpi", "ps")
    _AML_VERSIONS = ["1.10", "1.12", "1.13", "2.0", "2.1", "2.2", "2.3"]

    def __init__(self, source_directory: str | None, *, worker_count: int = 1, parameter_server_count: int = 1, **kwargs: Any) -> None:
        if kwargs.get("distributed_backend") == "ps":
            kwargs.pop("distributed_backend")
            kwargs["distributed_training"] = TensorflowConfiguration(worker_count, parameter_server_count)
        super().__init__(source_directory, **kwargs)


class Chainer(_FrameworkEstimator):
    FRAMEWORK_NAME, FRAMEWORK_PACKAGE = "Chainer", "chainer"
    _AML_VERSIONS = ["5.1.0", "7.0.0"]


class SKLearn(_FrameworkEstimator):
    FRAMEWORK_NAME, FRAMEWORK_PACKAGE = "SKLearn", "scikit-learn"
    _AML_VERSIONS = ["0.20.3"]

    def __init__(self, source_directory: str | None, **kwargs: Any) -> None:
        for forbidden in ("node_count", "process_count_per_node", "distributed_backend", "distributed_training",
                          "use_gpu", "custom_docker_base_image", "source_directory_data_store"):
            if forbidden in kwargs:
                raise _err(forbidden, kwargs[forbidden], "SKLearn runs on one CPU node and takes no such parameter", f"drop {forbidden}")
        super().__init__(source_directory, **kwargs)
