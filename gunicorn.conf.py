"""gunicorn settings it reads by itself when started from the repository root (systemd's
WorkingDirectory, the image's WORKDIR, `make bench-compare`). Command-line options still win.

Garbage collection, out of the way of the pages (bench/README.md measures the effect):

* A loaded worker holds a few hundred thousand long-lived objects (modules, SQLAlchemy mappers,
  translations, compiled templates) that Python's full collections would walk again and again
  (10-15 ms each). gc.freeze() sets aside the objects alive once the app is loaded, and again after
  each full collection while the worker warms up (templates compile, caches fill). Freezing stops
  there: an object frozen while alive is never collected if it later becomes garbage in a cycle.
* Python collects its youngest objects after every 700 allocations, so a page paid for several
  collections while it was being built, one of them in ten a 2-4 ms older-generation one. Here the
  same collections, chosen by Python's own thresholds, run after the response has been sent.
  During a request they start only past IN_REQUEST_THRESHOLD allocations (a large import or export).
"""
import gc

WARM_UP_REQUESTS = 500
IN_REQUEST_THRESHOLD = 100_000
YOUNG = 700  # Python's default first threshold, applied between requests
_full_collections = [0]


def post_worker_init(worker):
    gc.collect()
    gc.freeze()
    _full_collections[0] = gc.get_stats()[2]["collections"]
    _young, older, oldest = gc.get_threshold()
    gc.set_threshold(IN_REQUEST_THRESHOLD, older, oldest)


def post_request(worker, req, environ, resp):
    counts, thresholds = gc.get_count(), (YOUNG,) + gc.get_threshold()[1:]
    due = [generation for generation in range(3) if counts[generation] > thresholds[generation]]
    if due:
        gc.collect(max(due))  # the oldest generation due, as Python's automatic collection chooses
    if worker.nr > WARM_UP_REQUESTS:
        return
    full = gc.get_stats()[2]["collections"]
    if full != _full_collections[0]:  # what survived a full collection lives as long as the worker
        _full_collections[0] = full
        gc.freeze()
