"""Print a running service's /stats as readable tables.

Asks the service's HTTP port (--url, default http://127.0.0.1:DYAD_HTTP_PORT)
and sends DYAD_HTTP_TOKEN as a bearer token when it is set. --json prints the
raw document instead; --watch refreshes it every few seconds.

examples:
  dyad stats
  dyad stats --url http://dyad-0.dyad:8000 --watch 5
  DYAD_HTTP_TOKEN=... dyad stats --json | jq .lag
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import httpx
import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text


def add_arguments(p: argparse.ArgumentParser) -> None:
    port = os.environ.get("DYAD_HTTP_PORT", "8000")
    p.add_argument("--url", default=f"http://127.0.0.1:{port}", help="the service's base URL")
    p.add_argument("--json", action="store_true", help="print the raw /stats JSON")
    p.add_argument("--watch", type=float, default=None, help="refresh every N seconds")
    p.add_argument("--timeout", type=float, default=5.0, help="HTTP timeout in seconds")


def fetch(url: str, timeout: float) -> dict[str, Any]:
    token = os.environ.get("DYAD_HTTP_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = httpx.get(url.rstrip("/") + "/stats", headers=headers, timeout=timeout)
    if r.status_code == 401:
        raise PermissionError("the service wants a token: set DYAD_HTTP_TOKEN")
    r.raise_for_status()
    doc: dict[str, Any] = r.json()
    return doc


def _kv(title: str, items: dict[str, Any], *headers: str) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False, min_width=len(title) + 2)
    table.add_column(headers[0] if headers else "")
    table.add_column(headers[1] if len(headers) > 1 else "", justify="right")
    for k, v in items.items():
        table.add_row(Text(str(k)), Text("—" if v is None else str(v)))
    if not items:
        table.add_row("none", "")
    return table


def render(console: Console, doc: dict[str, Any]) -> None:
    c, rates, lat = doc["counts"], doc["rates"], doc["latency"]
    overview = {
        "ready": f"{'yes' if doc['ready'] else 'NO'} ({doc['reason']})",
        "uptime": f"{doc['uptime_s']:.0f} s",
        "classifier": doc.get("classifier_version"),
        "in / out": f"{c['in']} / {c['out']}",
        "unique / duplicates / dead letters": (
            f"{c['events']} / {c['duplicates']} / {c['dead_letters']}"
        ),
        "rate in / out (per s)": f"{rates['in_per_s']} / {rates['out_per_s']}",
        "latency p50 / p95 / p99 (ms)": f"{lat['p50_ms']} / {lat['p95_ms']} / {lat['p99_ms']}",
        "commit failures / produce retries": (
            f"{doc['commit_failures']} / {doc['produce_retries']}"
        ),
    }
    console.print(_kv("dyad", overview))
    console.print(_kv("lag per partition", doc["lag"], "partition", "lag"))
    console.print(_kv("dead letters by reason", doc["dead_letters_by_reason"], "reason", "n"))
    console.print(_kv("duplicates by kind", doc["duplicates_by_kind"], "kind", "n"))
    console.print(_kv("top pairs", dict(list(doc["pairs"].items())[:10]), "pair", "events"))
    console.print(_kv("sectors", doc["sectors"], "sector", "events"))
    console.print(_kv("dedup index", doc.get("dedup") or {}, "", ""))


def main(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    while True:
        try:
            doc = fetch(args.url, args.timeout)
        except PermissionError as e:
            print(f"dyad stats: {e}", file=sys.stderr)
            return 2
        except httpx.HTTPError as e:
            print(f"dyad stats: cannot read {args.url}/stats: {e}", file=sys.stderr)
            return 1
        if args.json:
            print(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
        else:
            render(console, doc)
        if args.watch is None:
            return 0
        time.sleep(args.watch)
