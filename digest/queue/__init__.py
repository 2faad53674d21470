"""Queue mode: `digest serve` schedules, `digest worker` processes do the work, on procrastinate.

Enabled by `queue: {enabled: true}` with the state on PostgreSQL. procrastinate keeps its jobs
in that same database (tables `procrastinate_*`), claims them with SELECT ... FOR UPDATE SKIP
LOCKED, and retries a job whose worker stopped sending heartbeats: nothing else to run, and no
claim protocol of ours. Without `queue:` nothing here is imported and a run is one process.

The jobs of one digest slot (tasks.py):

    serve: slot fires -> build_slot(slot)            one per slot: queueing lock + slot_runs
    build_slot -> fetch_source(name) per source      items staged in the state (staged_items)
    fetch_source -> prepare(uids) per 20 new items   cleaned + summarised, stored by content hash
    build_slot -> assemble(slot)                     waits until no fetch/prepare is left, then
                                                     builds the digest with the pipeline, from
                                                     the staged items and prepared results
    assemble -> send_mail(digest, recipients)        per queue.mail_batch deliveries (50); a
                                                     row is sent once

Every task can run twice (a worker SIGKILLed mid-job is retried): each one checks the state
first, and the state's rules (a slot done once, an article in one digest, a delivery sent once
but for the SMTP window that deliver.py documents) make the second run change nothing.

Modules: app.py (the procrastinate App, its schema), tasks.py (the jobs), worker.py (`digest
worker`), scheduler.py (what `serve` defers), prepare.py (content-hash keys and the cache the
pipeline reads), ratelimit.py (email.smtp.max_per_second).
"""
