"""ilteo Open API with httpx: search, read and revalidate, handle a problem, ask who you are.

Run: ``ILTEO_API_KEY=ilteo_... python docs/examples/httpx_example.py``. The server's address comes
from ``ILTEO_BASE_URL`` (default ``http://127.0.0.1:8000``). The key, when set, is sent on every
call (reference data is open, but scopes and quotas are per key); without it the "who am I" call
is skipped.
"""

from __future__ import annotations

import os
import sys

import httpx

BASE_URL = os.environ.get("ILTEO_BASE_URL", "http://127.0.0.1:8000")
API_KEY = os.environ.get("ILTEO_API_KEY")


def main() -> int:
    """Call the API and print what it says; exit 1 when a call does not answer as documented."""
    # The key goes in the Authorization header, never in the URL.
    headers = {"Authorization": f"Bearer {API_KEY}"} if API_KEY else {}
    with httpx.Client(base_url=BASE_URL, headers=headers, timeout=30) as client:
        # Search: a page of matches ("items"), and "next_cursor" when there are more.
        found = client.get(
            "/v1/reference/occupations", params={"q": "소프트웨어", "system": "ksco8", "limit": 3}
        )
        found.raise_for_status()
        for hit in found.json()["items"]:
            print(f"found {hit['system']} {hit['code']} {hit['name_ko']}")

        # Read one occupation; the request id we send is echoed back.
        detail = client.get(
            "/v1/reference/occupations/onet/15-1252.00",
            headers={"X-Request-ID": "httpx-example-1"},
        )
        detail.raise_for_status()
        body = detail.json()
        rid = detail.headers["X-Request-ID"]
        print(f"read {body['code']} {body['name_en']} (request id {rid})")

        # Revalidate with the ETag: 304 Not Modified, no body, while our copy is current.
        again = client.get(
            "/v1/reference/occupations/onet/15-1252.00",
            headers={"If-None-Match": detail.headers["ETag"]},
        )
        print(f"revalidated {again.status_code}")

        # Errors are RFC 9457 problem details: branch on the stable `type`, not on the text.
        missing = client.get("/v1/reference/occupations/ksco8/99999")
        problem = missing.json()
        print(f"problem {missing.status_code} {problem['type']} {problem['title']}")
        if missing.headers["content-type"] != "application/problem+json":
            return 1

        # Who am I: the account the key acts for, and its roles now.
        if API_KEY:
            me = client.get("/v1/identity/me")
            me.raise_for_status()
            who = me.json()
            print(f"signed in as {who['login']} by {who['authenticated_by']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
