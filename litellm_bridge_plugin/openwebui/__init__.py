"""Open WebUI's database as it is: schema detection (which generation, which dialect), state
reads, and the writers per generation (accounts, groups, models, grants, sessions).

No ORM models of Open WebUI's tables: the live catalogue decides. May import: ``domain``,
``queries``, ``settings``, ``errors``; never ``plan`` or ``engine``.
"""
