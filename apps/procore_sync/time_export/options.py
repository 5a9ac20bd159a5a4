"""What an office chose for time in the wizard, read from SyncSettings (`options` and `flows`).

`options["time_export"]`: "timesheets" (one Procore timecard entry per time card) or "daily_logs"
(daily-log timecards aggregated per day); never both, as both are timecard entries in Procore
and the hours would count twice (changing it moves what Procore holds: switch.py).
`options["time_trigger"]`: time cards go when "submitted" or when "approved". `flows["time"]`,
`flows["manpower"]`, `flows["quantities"]` switch the automatic sending of time, manpower logs
and quantity logs on or off.
"""

from dataclasses import dataclass

from apps.timecards.models import EntryStatus

from ..engine_models import SyncSettings

TIMESHEETS, DAILY_LOGS = "timesheets", "daily_logs"
MODES = ((TIMESHEETS, "Procore timesheets"), (DAILY_LOGS, "Daily-log timecards"))
ON_SUBMIT, ON_APPROVE = EntryStatus.SUBMITTED.value, EntryStatus.APPROVED.value
TRIGGERS = ((ON_APPROVE, "When a time card is approved"), (ON_SUBMIT, "When it is submitted"))
TIME_FLOW, DAILY_LOG_FLOW = "time_export", "daily_logs"


@dataclass(frozen=True)
class TimeOptions:
    mode: str = TIMESHEETS
    trigger: str = ON_APPROVE
    time_on: bool = False
    manpower: bool = False
    quantities: bool = False

    @classmethod
    def of(cls, settings: SyncSettings) -> "TimeOptions":
        options, flows = settings.options or {}, settings.flows or {}
        mode = options.get("time_export")
        trigger = options.get("time_trigger")
        return cls(
            mode=mode if mode in dict(MODES) else TIMESHEETS,
            trigger=trigger if trigger in dict(TRIGGERS) else ON_APPROVE,
            time_on=bool(flows.get("time")),
            manpower=bool(flows.get("manpower")),
            quantities=bool(flows.get("quantities")),
        )

    @property
    def statuses(self) -> tuple[str, ...]:
        """The statuses in which a time card belongs in Procore (approved always does)."""
        return (ON_SUBMIT, ON_APPROVE) if self.trigger == ON_SUBMIT else (ON_APPROVE,)

    @property
    def daily_log_kinds(self) -> tuple[str, ...]:
        """What the automatic daily-log publishing covers."""
        kinds = ("timecards",) if self.time_on and self.mode == DAILY_LOGS else ()
        return (
            kinds
            + (("manpower",) if self.manpower else ())
            + (("quantities",) if self.quantities else ())
        )
