"""Run the pipeline offline: JSON Lines of raw articles in, enriched events out.

Each input line is one raw article (the value a scraper would publish). Events go
to OUT (or stdout), one JSON object per line, in input order; duplicates are
events too (dedup.status exact or near). A bad line becomes a dead-letter record
on stderr and processing goes on. The streaming `dyad run` shares this pipeline.

examples:
  dyad classify seeds/seeds.jsonl
  cat articles.jsonl | dyad classify - -o events.jsonl
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from dyad.commands.progress import Reporter
from dyad.config import Settings
from dyad.core.dedup import MemoryDedupIndex
from dyad.core.pipeline import InputRecord
from dyad.service import build_pipeline

CHUNK = 256


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", nargs="?", default="-", help="JSON Lines file, or - for stdin")
    p.add_argument("-o", "--output", default="-", help="where events go (default stdout)")


def _records(stream: BinaryIO, name: str) -> Iterator[InputRecord]:
    for lineno, line in enumerate(stream, start=1):
        value = line.rstrip(b"\r\n")
        if not value.strip():
            continue  # blank lines separate nothing in JSON Lines
        yield InputRecord(value=value, topic=name, partition=0, offset=lineno)


def _chunks(it: Iterator[InputRecord]) -> Iterator[list[InputRecord]]:
    chunk: list[InputRecord] = []
    for rec in it:
        chunk.append(rec)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def main(args: argparse.Namespace) -> int:
    settings = Settings()
    pipeline = build_pipeline(settings)
    index = MemoryDedupIndex(settings.dedup_window_s, settings.dedup_max_entries)
    src: BinaryIO = sys.stdin.buffer if args.input == "-" else open(args.input, "rb")  # noqa: SIM115
    dst: BinaryIO = sys.stdout.buffer if args.output == "-" else open(args.output, "wb")  # noqa: SIM115
    name = "stdin" if args.input == "-" else Path(args.input).name
    total = None if args.input == "-" else _count_lines(Path(args.input))
    counts = {"event": 0, "duplicate": 0, "dead_letter": 0}
    with Reporter("classify", total, "records") as progress:
        try:
            for chunk in _chunks(_records(src, name)):
                for out in pipeline.process_batch(chunk, index, time.time()):
                    counts[out.kind] += 1
                    if out.kind == "dead_letter":
                        progress.write(out.value)
                    else:
                        dst.write(out.value + b"\n")
                dst.flush()
                progress.advance(len(chunk))
        finally:
            if src is not sys.stdin.buffer:
                src.close()
            if dst is not sys.stdout.buffer:
                dst.close()
    progress.summary(
        f"classified {sum(counts.values())} records: {counts['event']} unique, "
        f"{counts['duplicate']} duplicates, {counts['dead_letter']} dead letters"
    )
    return 0


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if line.strip())
