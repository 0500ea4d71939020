"""The school administrator's pages that need the sync's data: Connect (MisConnection),
and adding and archiving an account (the school's formats and leaver grace days live in
SyncSettings, and users must not import wizard)."""
