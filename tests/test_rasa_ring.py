"""The gateway's spread of conversations over Rasa servers (bot/rasa_ring.py): each conversation on one server,
moved only while that server is down, back when it answers; a server added takes only its own share."""
from __future__ import annotations

from collections import Counter

from bot.rasa_relay import Rasa
from bot.rasa_ring import RasaRing

SENDERS = [f"session-{n}" for n in range(2000)]


def ring(*names: str) -> RasaRing:
    return RasaRing([Rasa(f"http://{n}") for n in names])


def test_each_conversation_has_one_server_and_the_servers_share_them():
    two = ring("a", "b")
    homes = {s: two.candidates(s)[0].url for s in SENDERS}
    assert homes == {s: ring("a", "b").candidates(s)[0].url for s in SENDERS}  # the same in every gateway process
    shares = Counter(homes.values())
    assert set(shares) == {"http://a", "http://b"} and min(shares.values()) > 0.35 * len(SENDERS), shares
    assert all(len(two.candidates(s)) == 2 for s in SENDERS[:50])  # the other one as the fallback


def test_a_conversation_moves_only_while_its_server_is_down():
    three = ring("a", "b", "c")
    homes = {s: three.candidates(s)[0].url for s in SENDERS}
    three.mark_down(Rasa("http://b"), "refused")
    moved = {s: three.candidates(s)[0].url for s in SENDERS}
    assert all(moved[s] == homes[s] for s in SENDERS if homes[s] != "http://b")  # the others stay where they are
    assert all(moved[s] != "http://b" for s in SENDERS)
    assert {moved[s] for s in SENDERS if homes[s] == "http://b"} == {"http://a", "http://c"}  # spread, not piled on one
    three.down.discard("http://b")  # what watch() does once b answers again
    assert {s: three.candidates(s)[0].url for s in SENDERS} == homes


def test_a_server_added_takes_only_its_own_share():
    before = {s: ring("a", "b").candidates(s)[0].url for s in SENDERS}
    after = {s: ring("a", "b", "c").candidates(s)[0].url for s in SENDERS}
    changed = [s for s in SENDERS if before[s] != after[s]]
    assert all(after[s] == "http://c" for s in changed)
    assert 0.2 * len(SENDERS) < len(changed) < 0.5 * len(SENDERS)
