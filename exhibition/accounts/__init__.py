"""Staff accounts, their roles per exhibition, access checks and the audit log: the foundation
every domain imports (it imports none)."""
