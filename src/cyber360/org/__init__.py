"""Organisation and tenancy: cooperative, GHTs, establishments, users, roles, grants, authentication."""
