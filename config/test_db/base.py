"""PostgreSQL for the test suite, with a cheaper flush between transactional tests.

Django empties every table after each `transaction=True` test with one TRUNCATE, which gives
each table and index new files and makes the commit wait for them: about 0.4 s a test on this
machine, the larger part of the suite's wall time. A test leaves a few rows, so DELETE costs a
few milliseconds; the foreign keys Django creates are DEFERRABLE, so the order of the tables does
not matter. Content types and permissions stay: post_migrate would write them again after each
flush (with new ids), and finds them instead.
"""

from django.db.backends.postgresql import base, operations

KEPT = {"django_content_type", "auth_permission"}


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        names = [self.quote_name(t) for t in tables if t not in KEPT]  # Django's own tables
        emptied = " ".join(f"DELETE FROM {table};" for table in names)  # noqa: S608
        return [f"SET CONSTRAINTS ALL DEFERRED; {emptied}"]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
