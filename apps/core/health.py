"""Liveness of the two services Trestle cannot run without."""

from django.db import connection

from config.celery import app as celery_app


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any driver error means "down"; the message says why
        return f"error: {type(exc).__name__}"
    return "ok"


def broker_status() -> str:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.1, timeout=2)
    except Exception as exc:  # kombu raises several families of errors for "unreachable"
        return f"error: {type(exc).__name__}"
    return "ok"
