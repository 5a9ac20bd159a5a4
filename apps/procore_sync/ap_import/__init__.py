"""The "ap_import" flow: Procore commitments and approved subcontractor invoices into AP.

procore-api.md §8.2-8.3: commitments are work order and purchase order contracts; requisitions
are subcontractor invoices, each imported once (keyed by its id) with its attachments combined
into one PDF, into the office's queue, and routed when the office says so.
"""
