"""Issue 14 point 6 through nginx: a worker keeps the rendered answers of repeated searches
and type-ahead requests with its index snapshot (search/answer_cache.h). A repeated request
must give the same answer as the first (its search_id names the query) and a count in the
miss log each time; the language is part of the answer; a catalog change is never answered from the cache
of the old snapshot."""
import secrets

from helpers import sql, wait_for

SEARCH = "/api/v1/services"
SUGGEST = SEARCH + "/suggest"
EN = {"Accept-Language": "en"}
REPEAT = 6  # nginx spreads them over the workers: each worker answers some from its cache


def get(http, base, path, headers=None, **params):
    r = http.get(base + path, params=params, headers=headers or {}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def rare_word(n=5):
    """Hanzi the catalog does not use (and no digits, which the miss log masks)."""
    return "".join(secrets.choice("氕氘氚氙氡氪氩氖氦锕锿镅钔锘铹") for _ in range(n))


def test_a_repeated_search_is_the_same_answer(http, base):
    for q, params in [("社保卡", {}), ("护照", {"page": 2, "page_size": 3}),
                      ("身份证", {"department": "GA"}), ("家里老人没有收入了", {})]:
        bodies = [get(http, base, SEARCH, q=q, **params) for _ in range(REPEAT)]
        assert all(b == bodies[0] for b in bodies), q
        assert bodies[0]["items"], q


def test_a_repeated_empty_search_counts_every_time(stack, http, base):
    word = rare_word()
    bodies = [get(http, base, SEARCH, q=word) for _ in range(REPEAT)]
    assert all(b["total"] == 0 and "suggestions" in b for b in bodies), bodies[0]
    # each worker adds its counts on its own beat
    wait_for(lambda: sql(stack, "SELECT SUM(searches), SUM(empty) FROM search_log "
                                f"WHERE query = '{word}'") == [[str(REPEAT), str(REPEAT)]],
             10, what="every search of the word in the miss log")


def test_the_language_is_part_of_the_answer(http, base):
    zh = [get(http, base, SEARCH, q="护照") for _ in range(3)]
    en = [get(http, base, SEARCH, headers=EN, q="护照") for _ in range(3)]
    for b in zh + en:
        b.pop("search_id")
    assert zh[0] == zh[1] == zh[2] and en[0] == en[1] == en[2]
    assert [i["code"] for i in zh[0]["items"]] == [i["code"] for i in en[0]["items"]]
    assert zh[0]["items"][0]["name"] != en[0]["items"][0]["name"], (zh[0], en[0])
    s_zh = [get(http, base, SUGGEST, q="hz") for _ in range(3)]
    s_en = [get(http, base, SUGGEST, headers=EN, q="hz") for _ in range(3)]
    assert s_zh[0] == s_zh[1] == s_zh[2] and s_en[0] == s_en[1] == s_en[2]
    assert s_zh[0]["items"] and s_zh[0] != s_en[0], (s_zh[0], s_en[0])


def test_a_repeated_suggest_is_the_same_answer(http, base):
    for q, params in [("shebao", {}), ("护", {"limit": 3}), ("结婚", {})]:
        bodies = [get(http, base, SUGGEST, q=q, **params) for _ in range(REPEAT)]
        assert all(b == bodies[0] for b in bodies), q
        assert bodies[0]["items"], q


def test_a_catalog_change_is_not_answered_from_the_old_cache(stack, http, base):
    term = rare_word(6)
    for _ in range(REPEAT):  # the empty answer now cached on every worker
        assert get(http, base, SEARCH, q=term)["items"] == []
        assert get(http, base, SUGGEST, q=term)["items"] == []
    stack.admin("add-synonym", term, "护照")
    wait_for(lambda: all("CRJ-XK-001" in [i["code"] for i in get(http, base, SEARCH, q=term)
                                          ["items"]] for _ in range(4)),
             10, interval=0.1, what="the synonym in every worker's answer")
