"""Fleet: many sites, over time.

``sites`` reads a batch's sites file; ``batch`` runs one scan per site in its own process and
resumes; ``history`` records every scan in a SQL database; ``schedule`` runs scans as they
fall due (``triggers``: cron expressions and intervals; ``webhook``: a run's signed POST).
"""
