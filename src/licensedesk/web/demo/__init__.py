"""Demo data (``demo_load``, the ``demo`` management command, ``DEMO_LOGINS``)."""
