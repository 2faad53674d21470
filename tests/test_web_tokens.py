"""Signed tokens (digest/web/tokens.py): bound to the address, the purpose and the key."""

from __future__ import annotations

import pytest

from digest.web.tokens import PREFERENCES, UNSUBSCRIBE, BadToken, Tokens

KEY = "k" * 40


def test_a_token_reads_back_as_the_address_it_was_made_for():
    tokens = Tokens(KEY)
    assert tokens.read_address(UNSUBSCRIBE, tokens.unsubscribe("ann@example.org")) == (
        "ann@example.org"
    )
    email, topics = tokens.read_confirm(tokens.confirm("ann@example.org", ("Sport",)))
    assert (email, topics) == ("ann@example.org", ("Sport",))


def test_a_token_edited_to_name_another_address_is_refused():
    tokens = Tokens(KEY)
    token = tokens.unsubscribe("ann@example.org")
    payload, _, signature = token.rpartition(".")
    other = tokens.unsubscribe("bob@example.org").rpartition(".")[0]
    with pytest.raises(BadToken):
        tokens.read_address(UNSUBSCRIBE, f"{other}.{signature}")
    with pytest.raises(BadToken):
        tokens.read_address(UNSUBSCRIBE, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))


def test_a_token_for_one_purpose_or_key_does_not_work_for_another():
    tokens = Tokens(KEY)
    with pytest.raises(BadToken):
        tokens.read_address(UNSUBSCRIBE, tokens.preferences("ann@example.org"))
    with pytest.raises(BadToken):
        tokens.read_confirm(tokens.preferences("ann@example.org"))
    with pytest.raises(BadToken):
        Tokens("z" * 40).read_address(PREFERENCES, tokens.preferences("ann@example.org"))


def test_confirmation_links_expire_and_preference_links_do_not():
    expired = Tokens(KEY, confirm_max_age=-1)
    with pytest.raises(BadToken):
        expired.read_confirm(expired.confirm("ann@example.org", ()))
    assert expired.read_address(PREFERENCES, expired.preferences("ann@example.org"))


def test_csrf_token_must_match_its_cookie():
    tokens = Tokens(KEY)
    nonce, form = tokens.csrf_pair()
    tokens.check_csrf(nonce, form)
    other_nonce, _ = tokens.csrf_pair()
    for cookie, token in ((other_nonce, form), (None, form), (nonce, None), (nonce, "x.y.z")):
        with pytest.raises(BadToken):
            tokens.check_csrf(cookie, token)
