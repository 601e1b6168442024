"""Jobs that make a file on the worker (a ZIP of PEPs, a subject access export, one PEP's PDF):
their progress in the database, their file in private storage (README, "Files and jobs")."""
