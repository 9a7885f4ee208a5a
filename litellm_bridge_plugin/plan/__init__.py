"""Pure planning: what Open WebUI should hold, decided from plain records.

The desired state from LiteLLM's rows (``desired``), the account, group and membership plan
(``accounts``), model rows and per-person grants (``models``) and LiteLLM's access rules
composed as its request path composes them (``access_rules``), and which key may be Open
WebUI's service key by its alias (``trust``). Nothing here opens a
connection: ids and clocks are handed in. May import: ``domain``, ``settings``, ``errors``
and the record types of ``litellm.tables`` and ``openwebui`` (never their I/O).
"""
