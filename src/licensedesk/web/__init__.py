"""The licensedesk web application: Django back office and client portal.

Layout (HackSoft Django Styleguide): a Django project package (``settings``, ``urls``, ``wsgi``) with
one app per domain — ``accounts`` (agencies, users, roles), ``cases`` (client companies, cases, checks,
notes, tasks, license records, the stage machine and its guards) and ``audit`` (the hash-chained
event log). Writes live in each app's ``services.py`` (keyword-only ``<entity>_<action>`` functions),
reads in ``selectors.py``; views, forms, admin and signals call those and hold no business rules.

Run management commands with ``python -m licensedesk.web <command>`` (``migrate``, ``demo``,
``audit_verify``, ``runserver`` …).
"""
