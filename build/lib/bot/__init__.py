"""policybot's front ends: the command line (and, later, the web gateway)."""
