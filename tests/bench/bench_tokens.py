"""make bench: access tokens of generated citizens, one per citizen (cached), minted by the
stack's test-only POST /api/v1/test/token (test_routes = 1)."""
import http.client
import json
import sys
import urllib.parse

TTL_S = 3 * 3600  # longer than any bench run


class Tokens:
    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        self.tokens = {}

    def of(self, citizen):
        if citizen not in self.tokens:
            body = json.dumps({"sub": citizen, "role": "citizen", "ttl_s": TTL_S})
            self.conn.request("POST", "/api/v1/test/token", body,
                              {"Content-Type": "application/json"})
            answer = self.conn.getresponse()
            data = answer.read()
            if answer.status != 200:
                sys.exit(f"bench: /api/v1/test/token answered {answer.status}: {data[:200]!r} "
                         "(test_routes must be 1)")
            self.tokens[citizen] = json.loads(data)["access_token"]
        return self.tokens[citizen]
