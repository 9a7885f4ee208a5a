"""The bridge's callback, for LiteLLM's config: keep this file beside config.yaml and name
``litellm_bridge_callback.bridge`` in ``litellm_settings.callbacks``.

LiteLLM loads a callback named in config.yaml from a file of that name in the config's own
directory; older releases (1.77.3 among them) look nowhere else, so the installed
package's name alone (``litellm_bridge_plugin.bridge``) does not load there. This one line
makes the same name work on every supported release (README "Compatibility").
"""

from litellm_bridge_plugin import bridge

__all__ = ["bridge"]
