"""The fixture modules, registered as pytest plugins for every kind of test.

tests/unit: no database (planners, access rules, decisions from records built in memory);
tests/integration: real PostgreSQL (LiteLLM's migrations, Open WebUI's), the real proxy;
tests/e2e: the real Open WebUI, a browser, the demo.
"""

pytest_plugins = [
    "tests.fixtures.databases",
    "tests.fixtures.proxies",
    "tests.fixtures.litellm_api",
]
