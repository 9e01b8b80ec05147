"""Workers, worklogs, segments and adjustments: their API, the list and its CSV, the time-tracker import."""
