"""Reading LiteLLM: its tables, the access reads the proxy's check uses, the served-model
catalogue and the service key's rows.

Read-only: the bridge never writes LiteLLM's tables. May import: ``plan`` (the access rules
the reads feed), ``domain``, ``queries``, ``settings``, ``errors``.
"""
