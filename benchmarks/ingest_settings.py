"""Settings of the server `benchmarks/ingest.py` starts: indagine's own, with its URLs plus
the floor view of `ingest_urls.py` (the script puts this folder on the server's PYTHONPATH)."""

from indagine.site.settings import *  # noqa: F403 - the production settings, unchanged

ROOT_URLCONF = "ingest_urls"
