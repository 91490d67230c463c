from ...core.script_run_config import ScriptRunConfig

__all__ = ["ScriptRunConfig"]
