"""A fake Groupcall XoD for development and tests, in two parts:

- `server/`: the fake itself, speaking the real protocol over HTTP, with faults
  (`FakeXodServer(dataset).start()`);
- `generate/`: realistic made-up schools to serve, and their rollover to the next year
  (`generate_dataset(...)`, `rollover_dataset(...)`).
"""
