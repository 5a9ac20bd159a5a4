"""Issue 7's Procore side: time cards to Procore timecard entries, and daily logs.

options.py   the office's choices (mode, trigger, manpower and quantity logs)
states.py    what each time card's Procore state is (Sent, Out of date, Failed: ..., Not sent)
catalog.py   what Procore holds that an export needs (people, project cost codes, closed days)
preflight.py everything checked per time card before anything is sent, each with its fix
timesheets.py the "time_export" flow: one Procore timecard entry per time card, by origin_id
daily_logs.py the "daily_logs" flow: per project day, timecard, manpower and quantity logs
switch.py    where time is in Procore, moving it when the office changes where it goes (one place
             only: each flow withdraws the other's entries of a day before writing it)
services.py  queue an export (by entry ids, or "Export now" for a date range, where the office
             sends time)
receivers.py the time card signal, filtered by the office's trigger
"""
