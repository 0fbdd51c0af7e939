"""Background work on rq: queues by workload, tenant-aware jobs, explicit retries.

See docs/architecture.md §6.
"""

from .runner import QUEUES, enqueue, queue, run_job

__all__ = ["QUEUES", "enqueue", "queue", "run_job"]
