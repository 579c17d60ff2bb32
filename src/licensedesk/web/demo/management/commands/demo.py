"""``demo``: load the demo agency, users, companies and cases (idempotent) and print the sign-ins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from licensedesk.web.demo.services import DEMO_LOGINS, demo_load


class Command(BaseCommand):
    help = "Load the demo data (one agency, two consultants, five client companies); safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet-logins", action="store_true", help="do not print the demo sign-ins")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = demo_load()
        created = ", ".join(f"{count} {kind}" for kind, count in summary.created.items() if count)
        self.stdout.write(
            f"{summary.agency.name}: " + (f"created {created}" if created else "already loaded")
        )
        if not options["quiet_logins"]:
            self.stdout.write("Demo sign-ins (username / password / role):")
            for login in DEMO_LOGINS:
                extra = f" · {login.company}" if login.company else ""
                self.stdout.write(
                    f"  {login.username:<12} {login.password:<22} {login.role:<13} {login.name}{extra}"
                )
