"""The LiteLLM and Open WebUI releases the bridge supports, and where LiteLLM releases differ.

Every difference between supported LiteLLM releases that the bridge has to know about is
handled here, by asking the installed LiteLLM what it has (a function, a parameter, a field),
never by comparing version numbers elsewhere. README "Compatibility" lists what was tested.
"""

from __future__ import annotations

SUPPORTED_LITELLM = ("1.77.3", "1.108.7")
"""The oldest and newest LiteLLM releases the test matrix (`make test-compat`) covers."""
SUPPORTED_OPENWEBUI = ("0.6.30", "0.12.4")
"""The oldest and newest Open WebUI releases covered; each schema generation between is tested
with one release (devtools.dbs.OPENWEBUI_GENERATIONS)."""
