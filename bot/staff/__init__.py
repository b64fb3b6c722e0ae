"""The staff console (/staff): FAQ coverage runs, the audit log; `routes.router` mounts them all."""
