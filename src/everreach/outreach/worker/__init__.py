"""The outreach worker: claim one due row atomically, commit the claim, send, record the outcome.

At most once: the claim (row -> `sending`, an `outreach_attempts` row, a liveness lock) commits before
anything is sent; a claim whose worker died is failed by the next worker, never re-sent (claims.py).

- `connection`: the one connection, its claim locks, reconnecting after an outage;
- `pace`: the pacing decision every worker shares, and when an idle worker wakes;
- `claim`: picking, refusing and claiming the next row;
- `outcomes`: writing a send's outcome (again, after an outage);
- `loop`: the `Worker` stepping through claim, send and record, riding out outages.
"""

from everreach.outreach.worker.loop import RECOVER_EVERY_SECONDS, Worker, make_worker_id
from everreach.outreach.worker.outcomes import MAX_DEFERRALS
from everreach.outreach.worker.step import Step, StepKind

__all__ = ["MAX_DEFERRALS", "RECOVER_EVERY_SECONDS", "Step", "StepKind", "Worker", "make_worker_id"]
