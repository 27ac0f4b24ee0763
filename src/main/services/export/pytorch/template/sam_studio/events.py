"""The app's trainer events (src/shared/events.ts) as JSON lines on stdout, rank 0 only: the
same lines `sam-studio train --json` prints, so `sam-studio launch` streams them into the run
database and `sam-studio import --events FILE` reads a cluster job's output."""
import json
import math
import sys


def _clean(v):
    """JSON has no NaN or Infinity: the app writes them as null (JSON.stringify), so do we."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return v


class Events:
    def __init__(self, enabled, run_id, stream=None):
        self.enabled = enabled
        self.run_id = run_id
        self.stream = stream or sys.stdout

    def emit(self, event, **fields):
        if not self.enabled:
            return
        line = json.dumps(_clean({"event": event, "runId": self.run_id, **fields}), allow_nan=False, ensure_ascii=False, separators=(",", ":"))
        self.stream.write(line + "\n")
        self.stream.flush()

    def log(self, message, level="info"):
        self.emit("log", level=level, message=message)
