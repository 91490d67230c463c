"""REST handlers for what a workspace registers: models (and their files), environments, compute targets."""

from __future__ import annotations


from jupyter_server.auth.decorator import authorized
from tornado import web

from ..client.compute import target_availability
from ..client.model import Model
from ..core.environment import Environment
from ..core.errors import ModelNotFoundException, UserErrorException
from .handlers_base import EstimatorHandler


class ModelsHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        models = await self.blocking(Model.list, self.estimator.workspace, name=self.get_argument("name", None),
                                     latest=self.bool_argument("latest"))
        self.write_json({"models": [m.serialize() for m in models]})


class ModelHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str, version: str | None = None) -> None:
        if version is None:
            versions = await self.blocking(Model.list, self.estimator.workspace, name=name)
            if not versions:
                raise ModelNotFoundException(f"name: no model named {name!r}. Fix: list models with GET models.", field="name")
            self.write_json({"name": name, "versions": [m.serialize() for m in versions]})
            return
        if not version.isdigit():
            raise UserErrorException(f"version: must be a number (got {version!r}).", field="version")
        model = await self.blocking(Model, self.estimator.workspace, name=name, version=int(version))
        from ..store.files import tree_files
        files = [name for name, _ in (await self.blocking(tree_files, model._folder)).files]
        self.write_json({**model.serialize(), "files": files})


class ModelFileHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str, version: str, path: str) -> None:
        from ..store.files import resolve_inside, safe_relative
        if not version.isdigit():
            raise UserErrorException(f"version: must be a number (got {version!r}).", field="version")
        model = await self.blocking(Model, self.estimator.workspace, name=name, version=int(version))
        target = resolve_inside(model._folder, safe_relative(path, "path"), "path")
        if not target.is_file():
            raise ModelNotFoundException(f"path: model {model.id} has no file {path!r}.", field="path")
        self.set_header("Content-Type", "application/octet-stream")
        self.set_header("Content-Disposition", f'attachment; filename="{target.name}"')
        with open(target, "rb") as handle:
            while chunk := await self.blocking(handle.read, 1024 * 1024):
                self.write(chunk)
                await self.flush()
        self.finish()


class EnvironmentsHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        envs = await self.blocking(Environment.list, self.estimator.workspace)
        self.write_json({"environments": [{**env._to_spec(), "version": env.version} for env in envs.values()]})


class ComputeTargetsHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        # Each Docker target is pinged (at most a few seconds): off the event loop.
        targets = await self.blocking(target_availability, self.estimator.workspace)
        targets.append({"name": "ray", "type": "Ray", "available": False, "docker": False,
                        "reason": "the Ray target is not available in this version", "docker_reason": None})
        self.write_json({"compute_targets": targets})
