"""The fingerprint (engine/fingerprint.py) covers every setting a plan reads: a setting added
to planning and not to PLAN_SETTINGS would let a sweep skip a run that setting changes."""

from __future__ import annotations

import re
from pathlib import Path

from litellm_bridge_plugin.engine.fingerprint import PLAN_SETTINGS
from litellm_bridge_plugin.settings import Settings

PACKAGE = Path(__file__).resolve().parents[2] / "litellm_bridge_plugin"
PLANNING = [PACKAGE / "engine" / "planning.py", PACKAGE / "engine" / "reads.py"]
PLANNING += sorted((PACKAGE / "plan").glob("*.py"))


def test_every_setting_planning_reads_is_in_the_fingerprint() -> None:
    read = {
        name
        for path in PLANNING
        for name in re.findall(r"\bsettings\.(\w+)", path.read_text(encoding="utf-8"))
    }
    assert read, "no setting found: the pattern no longer matches how planning reads them"
    assert read <= set(PLAN_SETTINGS), read - set(PLAN_SETTINGS)


def test_the_fingerprinted_settings_exist_and_hold_no_secret() -> None:
    fields = Settings.model_fields
    for name in PLAN_SETTINGS:
        assert name in fields, name
        assert "Secret" not in str(fields[name].annotation), name
        assert "url" not in name, name
