"""gunicorn settings it reads by itself when started from the repository root (systemd's
WorkingDirectory, the image's WORKDIR, `make bench-compare`). Command-line options still win.

Garbage collection. A loaded worker holds a few hundred thousand long-lived objects (modules,
SQLAlchemy mappers, translations, compiled templates). Python's full collections walk all of them
again, which cost 10-15 ms in the middle of every few hundredth request: the slowest pages of the
benchmark (bench/README.md). gc.freeze() sets the objects alive at that moment aside for good:
once when the worker has loaded the application, and again after each full collection while the
worker warms up (templates compile and caches fill on the first pages). Later, full collections
walk only recent objects (2-4 ms). Freezing stops there because an object frozen while alive is
never collected if it later becomes garbage in a reference cycle (a few objects per request).
"""
import gc

WARM_UP_REQUESTS = 500
_full_collections = [0]


def post_worker_init(worker):
    gc.collect()
    gc.freeze()
    _full_collections[0] = gc.get_stats()[2]["collections"]


def post_request(worker, req, environ, resp):
    if worker.nr > WARM_UP_REQUESTS:
        return
    full = gc.get_stats()[2]["collections"]
    if full != _full_collections[0]:  # what survived a full collection lives as long as the worker
        _full_collections[0] = full
        gc.freeze()
