"""Deciding what to install: the run's pip packages from wheels, with exact pins relaxed only when they must be.

An AML-era sample pins `joblib==0.13.2` beside `scikit-learn`; on today's Python no wheel-installable
scikit-learn accepts that joblib, and letting the installer fall back to a source build means minutes
of compiling that then fail. So environments install wheels only (source builds are an opt-in setting),
and when exact pins cannot be met that way the pins are moved to the nearest release that resolves —
one warning line per moved pin — unless the pin policy is "strict", which fails fast with the resolver's
words. Resolution is uv's (`uv pip compile`), run twice at most: once as asked, and, on failure, once
with the pins loosened to `>=` (highest) and once more to pull each loosened pin down to the lowest
release that fits what the first pass chose for everything else. Standard library only.
"""

from __future__ import annotations

import re
import subprocess
from typing import Callable, NamedTuple

from ..core.errors import EnvironmentBuildError

EXACT_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*==\s*([A-Za-z0-9.+!_-]+)\s*(;.*)?$")
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
PIN_POLICIES = ("relax", "strict")
SETTINGS_FIX = ("set the workspace setting environment_pins='relax' (ws.set_settings(environment_pins='relax')) to let "
                "the builder move such pins, or change the pin")


class RelaxedPin(NamedTuple):
    index: int  # its place in the package list
    name: str
    pinned: str
    chosen: str
    newest: str  # what the resolver picks with the pin loosened: the fallback when `chosen` does not import
    why: str = "the nearest release that resolves"

    def requirement(self, original: str) -> str:
        match = EXACT_PIN.match(original)
        assert match is not None
        return f"{match[1]}{match[2] or ''}=={self.chosen}{match[4] or ''}"

    def warning(self, python_version: str) -> str:
        return (f"WARNING: pip_packages: {self.name}=={self.pinned} cannot be installed from wheels together with the "
                f"other packages on Python {python_version}; installing {self.name}=={self.chosen}, {self.why}. "
                "Pin another version, or set environment_pins='strict' to fail instead.")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def plan_install(compile_requirements: Callable[[list[str], bool], tuple[bool, str]], packages: list[str], *,
                 pin_policy: str, source_builds: bool, python_version: str) -> tuple[list[str], list[RelaxedPin]]:
    """The requirements to install and the pins that were moved; raises EnvironmentBuildError when nothing fits.

    `compile_requirements(requirements, lowest_direct)` runs the resolver and returns (ok, output).
    """
    ok, first_output = compile_requirements(packages, False)
    if ok:
        return list(packages), []
    pins = {i: EXACT_PIN.match(p) for i, p in enumerate(packages)}
    pins = {i: m for i, m in pins.items() if m is not None}
    if pin_policy == "strict" or not pins:
        raise _unresolvable(first_output, python_version, source_builds, pinned=bool(pins), strict=pin_policy == "strict")
    loosened = [_loosen(pins[i], ">=") if i in pins else p for i, p in enumerate(packages)]
    ok, output = compile_requirements(loosened, False)
    if not ok:  # a pin above every usable release: let the resolver choose freely
        loosened = [_loosen(pins[i], None) if i in pins else p for i, p in enumerate(packages)]
        ok, output = compile_requirements(loosened, False)
    if not ok:  # loosening did not help: the first answer says what is really wrong
        raise _unresolvable(first_output, python_version, source_builds, pinned=False, strict=False)
    chosen = parse_resolution(output)
    newest = dict(chosen)
    # The nearest release of each loosened pin, with every other direct package held where the first pass put it.
    nearest = []
    for i, package in enumerate(packages):
        if i in pins:
            nearest.append(loosened[i])
            continue
        name = NAME.match(package)
        version = chosen.get(normalize(name[1])) if name and "==" not in package and "@" not in package else None
        nearest.append(f"{name[1]}=={version}" if version else package)
    ok, output = compile_requirements(nearest, True)
    if ok:
        chosen.update({k: v for k, v in parse_resolution(output).items()
                       if k in {normalize(m[1]) for m in pins.values()}})
    final, relaxed = list(packages), []
    for i, match in pins.items():
        version = chosen.get(normalize(match[1]))
        if version is None or version == match[3]:
            continue
        pin = RelaxedPin(i, match[1], match[3], version, newest.get(normalize(match[1]), version))
        final[i] = pin.requirement(packages[i])
        relaxed.append(pin)
    return final, relaxed


def _loosen(pin: re.Match, operator: str | None) -> str:
    name, extras, version, marker = pin[1], pin[2] or "", pin[3], pin[4] or ""
    return f"{name}{extras}{operator + version if operator else ''}{marker}"


def parse_resolution(output: str) -> dict[str, str]:
    """`name==version` lines of `uv pip compile` output → {normalized name: version}."""
    resolved = {}
    for line in output.splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)", line.strip())
        if match:
            resolved[normalize(match[1])] = match[2]
    return resolved


def uv_compiler(uv: str, python: str, options: list[str], source_builds: bool, env: dict[str, str]
                ) -> Callable[[list[str], bool], tuple[bool, str]]:
    """A resolver call for plan_install: `uv pip compile` against the environment's own interpreter."""
    def run(requirements: list[str], lowest_direct: bool) -> tuple[bool, str]:
        argv = [uv, "pip", "compile", "-", "--python", python, "--no-header", "--no-annotate", "--quiet", *options]
        if not source_builds:
            argv.append("--no-build")
        if lowest_direct:
            argv += ["--resolution", "lowest-direct"]
        proc = subprocess.run(argv, input="\n".join(requirements) + "\n", capture_output=True, text=True, env=env)
        return proc.returncode == 0, proc.stdout if proc.returncode == 0 else proc.stderr + proc.stdout
    return run


def _unresolvable(output: str, python_version: str, source_builds: bool, *, pinned: bool, strict: bool) -> EnvironmentBuildError:
    how = "" if source_builds else " from wheels"
    fixes = []
    if strict and pinned:
        fixes.append(SETTINGS_FIX)
    fixes.append("check the names and versions in pip_packages")
    if not source_builds:
        fixes.append("or allow source builds with ws.set_settings(environment_source_builds=True) (slow; needs compilers)")
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return EnvironmentBuildError(
        f"pip_packages: the packages cannot be installed{how} on Python {python_version}"
        f"{' (environment_pins is strict)' if strict else ''}. The resolver said:\n" + "\n".join(lines[-25:]) +
        "\nFix: " + "; ".join(fixes) + ".")
