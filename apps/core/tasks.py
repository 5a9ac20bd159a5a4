from celery import shared_task


@shared_task(name="core.ping")
def ping(value: str = "pong") -> str:
    """Round-trip check for the worker: returns what it was given."""
    return value
