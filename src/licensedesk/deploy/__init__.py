"""What running licensedesk in production needs besides the package: the nginx configuration put in
front of gunicorn (``nginx.py``). The repository's ``deploy/README.md`` is the recipe."""
