"""The proxy side: the ``CustomLogger`` LiteLLM loads, the check on Open WebUI's calls
(identity, grants, LiteLLM's own budgets and limits with the person's key) and the token
vault that keeps the signed identity out of every log.

May import: ``engine``, ``capture``, ``litellm``, ``plan``, ``domain`` and the base modules.
"""
