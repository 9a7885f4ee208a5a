"""The reconcile: snapshot reads of both databases, the plan applied to Open WebUI, the
bridge's own tables, runs under the advisory lock, the worker thread that keeps
everything converging and the access broadcast between proxy processes.

May import: ``plan``, ``litellm``, ``openwebui``, ``domain`` and the base modules; never
``proxy``, ``capture`` or ``ops``.
"""
