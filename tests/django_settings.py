"""Settings for the test suite: the production settings, with a throwaway key and data folder."""

import os
import tempfile

os.environ.setdefault("INDAGINE_SECRET_KEY", "tests-only-" + "x" * 40)
os.environ.setdefault("INDAGINE_DATA_DIR", tempfile.mkdtemp(prefix="indagine-tests-"))
os.environ.setdefault("INDAGINE_SUBMIT_RATE", "off")

from indagine.site.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
