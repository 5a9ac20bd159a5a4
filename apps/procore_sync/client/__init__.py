"""The one seam to Procore. Typical use by an importer or exporter:

    client = ProcoreClient(connection)                       # http.py
    for vendor in resources.vendors(client, company_id=connection.company_id,
                                    params=filters(updated_at=(since, now))):
        ...                                                  # streamed page by page
    record = create_idempotent(                              # idempotent.py
        lookup=lambda: first_with_origin_id(resources.change_events(...), origin_id),
        create=lambda: resources.change_event_create(client, project_id=p, change_event=body),
    )
    result = resources.vendors_sync(client, company_id=c, updates=rows)   # sync.py
    result.entities, result.errors

Errors are typed (errors.py); everything retryable has already been retried when one escapes.
"""
