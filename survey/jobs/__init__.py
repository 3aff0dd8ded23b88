"""Background work: the durable job table (``outbox``), the ``survey worker`` loop, and the admin view of jobs."""
