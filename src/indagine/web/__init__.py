"""What every app's pages share, below the apps: refusals with a stable code (errors), the
guard of links that carry a secret (links), request parameters (params), rate limits as
settings give them (limits), and the Content-Security-Policy (csp). `site/` is the project
shell above the apps (settings, urls, wsgi); nothing here imports an app."""
