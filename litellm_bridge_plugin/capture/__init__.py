"""Change capture: the ASGI tap on LiteLLM's management routes, the optional PostgreSQL
triggers and the outbox they fill.

Everything here turns a change in LiteLLM into a :class:`domain.Scope` handed to the engine.
May import: ``engine`` (to hand changes over), ``domain`` and the base modules.
"""
