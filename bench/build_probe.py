"""Run in a subprocess by the benchmark: build an index of one corpus folder from scratch with the product's
`build_index`, and print chunks, seconds and the process's peak resident memory as JSON."""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from knowledge.config import load_settings
from knowledge.index.building import build_index
from knowledge.index.embedding import load_model, runtime_for


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--index-dir", required=True)
    args = parser.parse_args()
    settings = load_settings().replace(corpus_dir=Path(args.corpus), index_dir=Path(args.index_dir))
    started = time.perf_counter()
    load_model(settings.model, runtime_for(settings.embed_runtime, settings.embed_precision))
    loaded = time.perf_counter()
    report = build_index(settings, rebuild=True, progress=False)
    done = time.perf_counter()
    print(json.dumps({"chunks": report.chunks, "documents": len(report.added) + len(report.changed),
                      "model_load_s": round(loaded - started, 2), "build_s": round(done - loaded, 2),
                      "cpu_s": round(sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, (
                          resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))), 1),  # workers included: less load-bound
                      "peak_rss_mb": _own_peak_mb(),
                      # the largest worker's (0 when the build embedded in this process)
                      "worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}))
    return 0


def _own_peak_mb() -> float:
    """This process's peak RSS since it started (VmHWM): ru_maxrss survives exec, so a probe started by a large
    benchmark process would report that process's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # not Linux


if __name__ == "__main__":
    sys.exit(main())
