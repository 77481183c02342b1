"""General helpers above the healthcheck tier: waiting with progress, and gathering threads."""
