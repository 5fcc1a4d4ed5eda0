"""Layer 1, the scenario: input quantities (:mod:`.inputs`), the schema (:mod:`.schema`), the
checks every route goes through (:mod:`.checks`) and YAML loading with ``extends``
(:mod:`.load`). The loading functions are re-exported here."""

from .load import Problem, ScenarioError, load_scenario, resolve, validate_files
from .schema import Scenario

__all__ = ["Problem", "Scenario", "ScenarioError", "load_scenario", "resolve", "validate_files"]
