"""The REST API (``/api/v1/``, Django Ninja) and the API tokens an agency admin issues for it."""
