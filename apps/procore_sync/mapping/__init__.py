"""Pure translations between Procore's dicts and Trestle's fields: no database, no HTTP.

`*_from_procore(record)` returns the domain fields (plus Procore ids of related records under keys
ending in `_procore_id`) or raises MappingError naming what is wrong with that one record.
`*_to_procore(...)` returns the dict to send in a sync action's `updates` or a create body.
"""
