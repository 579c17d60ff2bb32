"""Client companies and their cases: the stage machine, guards, eligibility checks, notes, tasks."""
