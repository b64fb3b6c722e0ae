"""The staff console (/staff): FAQ coverage runs, curated FAQ answers, the audit log; `routes.router` mounts them all."""
