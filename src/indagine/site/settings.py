"""Django settings, read from the environment (see indagine.site.config for every setting)."""
