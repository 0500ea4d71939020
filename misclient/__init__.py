"""Reading a school's MIS: snapshot types, the XoD client, the fake XoD server.

Plain Python: nothing here imports Django models, so the planner and the tests can use
snapshots without a database.
"""
