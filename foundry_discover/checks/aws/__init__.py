"""AWS Secrets Manager as the application reaches it: plan, client, calls, results, errors."""
