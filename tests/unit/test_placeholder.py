"""The password of an account nobody set one for (engine/apply.py ``placeholder_hash``)."""

from __future__ import annotations

import re

import bcrypt

from litellm_bridge_plugin.engine.apply import placeholder_hash


def test_a_placeholder_is_a_bcrypt_hash_no_password_matches() -> None:
    made = [placeholder_hash() for _ in range(2000)]
    assert len(set(made)) == len(made)  # each account's is its own
    for value in made[:50]:
        # bcrypt's own format: cost 04, 22 characters of salt, 31 of digest, its alphabet,
        # unused bits zero (so strict checkers such as passlib, used by Open WebUI 0.6, read it)
        assert re.fullmatch(
            r"\$2b\$04\$[./A-Za-z0-9]{21}[.Oeu][./A-Za-z0-9]{30}[.CGKOSWaeimquy26]", value
        ), value
        for password in (b"", b"password", b"\x00", value.encode()):
            assert bcrypt.checkpw(password, value.encode()) is False
