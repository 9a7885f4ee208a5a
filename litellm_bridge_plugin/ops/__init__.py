"""Operator tools: the ``litellm-bridge`` CLI, its rendering, ``doctor``, ``verify-user``,
``link``, the role-grant SQL and the run reports.

The top layer: may import every other subpackage; nothing imports it.
"""
