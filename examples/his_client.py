"""A hospital system's client of ``yzmedins serve``, with the standard library only.

Run the service first (``yzmedins serve --ledger agency.db``), then ``python
examples/his_client.py [URL]``: it pre-settles and settles the example's first claim, asks for
the year's accumulators, reverses the settlement with a 冲正, and shows how a client retries a
message it got no answer to — with the same ``msgid``, which is safe. With a signing secret set
(``YZMEDINS_SECRET`` and ``YZMEDINS_PAASID`` in the environment), it signs every request as the
platform's gateway does.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"


def headers() -> dict[str, str]:
    """The x-tif-* signature headers when a secret is configured."""
    secret, paasid = os.environ.get("YZMEDINS_SECRET"), os.environ.get("YZMEDINS_PAASID")
    if not secret or not paasid:
        return {}
    stamp, nonce = str(int(time.time())), secrets.token_hex(16)
    signed = hashlib.sha256(f"{stamp}{secret}{nonce}{stamp}".encode()).hexdigest()
    return {
        "x-tif-paasid": paasid,
        "x-tif-timestamp": stamp,
        "x-tif-nonce": nonce,
        "x-tif-signature": signed,
    }


def send(infno: str, body: dict[str, Any], msgid: str | None = None) -> dict[str, Any]:
    """Send one message; on a network failure, send it again with the same msgid (the service
    answers a repeated msgid with the answer it gave, and changes nothing)."""
    envelope = {
        "infno": infno,
        "msgid": msgid or f"H001-{uuid.uuid4().hex}",
        "infver": "V1.0",
        "opter": "cashier-07",
        "fixmedins_code": "H43110000001",
        "inf_time": time.strftime("%Y-%m-%d %H:%M:%S"),
        "input": body,
    }
    data = json.dumps(envelope, ensure_ascii=False).encode()
    for attempt in range(5):
        request = urllib.request.Request(
            URL, data=data, headers={"content-type": "application/json", **headers()}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer: dict[str, Any] = json.load(response)
                return answer
        except urllib.error.HTTPError as error:  # 400/401/413: an answer envelope all the same
            answer = json.load(error)
            return answer
        except OSError:
            time.sleep(0.5 * (attempt + 1))
    raise SystemExit(f"no answer from {URL}")


def main() -> None:
    example = Path(__file__).with_name("bundles.jsonl")
    bundle = json.loads(example.read_text(encoding="utf-8").splitlines()[0])
    stay = {
        "person": bundle["person"],
        "contributions": bundle["contributions"],
        "claim": bundle["claims"][0],
    }
    pre = send("2303", stay)
    print("2303 pre-settlement:", pre["infcode"], pre["output"]["setlinfo"]["psn_cash_pay"])
    settled = send("2304", stay)
    if settled["infcode"] != "0":
        print("2304 refused:", settled["err_msg"])
        return
    info = settled["output"]["setlinfo"]
    print("2304 settlement:", info["setl_id"], "fund", info["fund_pay_sumamt"], "patient pays",
          info["psn_cash_pay"])  # fmt: skip
    again = send("2304", stay, msgid=settled["inf_refmsgid"])
    print("the same msgid again returns the same answer:", again == settled)
    year = int(bundle["claims"][0]["discharged_on"][:4])
    cum = send("5206", {"psn_no": bundle["person"]["id"], "year": year})
    print("5206 accumulators:", {r["cum_type_code"]: r["cum"] for r in cum["output"]["cuminfo"]})
    undone = send("2601", {"omsgid": settled["inf_refmsgid"], "oinfno": "2304"})
    print("2601 冲正:", undone["infcode"], undone["output"]["setlinfo"]["setl_id"])


if __name__ == "__main__":
    main()
