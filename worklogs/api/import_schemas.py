"""The OpenAPI shapes of `POST /api/imports/`: the files it reads and the reports it answers."""

from worklogs.importer import FORMATS, KINDS

_ID = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
_MONEY = {"oneOf": [{"type": "string", "example": "45.39"}, {"type": "number", "example": 45.39}]}
_COUNTS = {"type": "object", "properties": {kind: {"type": "integer"} for kind in KINDS}}
EXPORT_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["worklog_id", "user_id", "user_name", "task_name", "hourly_rate"],
        "properties": {
            "worklog_id": _ID,
            "user_id": _ID,
            "user_name": {"type": "string"},
            "task_name": {"type": "string"},
            "hourly_rate": _MONEY,
            "currency": {"type": "string", "example": "USD"},
            "segments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["segment_id", "start", "end", "status"],
                    "properties": {
                        "segment_id": _ID,
                        "start": {"type": "string", "format": "date-time"},
                        "end": {"type": "string", "format": "date-time"},
                        "status": {"type": "string", "enum": ["approved", "disputed", "cancelled"]},
                        "dispute_reason": {"type": "string"},
                    },
                },
            },
            "adjustments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["adjustment_id", "amount", "reason"],
                    "properties": {
                        "adjustment_id": _ID,
                        "amount": _MONEY,
                        "reason": {"type": "string"},
                        "applied_at": {"type": "string", "description": "A date or timestamp: the effectiveDate."},
                    },
                },
            },
        },
    },
}
REPORT_SCHEMA = {
    "type": "object",
    "properties": {
        "created": _COUNTS,
        "unchanged": _COUNTS,
        "skipped": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": list(KINDS)},
                    "id": {"type": "string", "nullable": True, "description": "The source's id of the record."},
                    "reason": {"type": "string"},
                },
            },
        },
    },
}


_TEXT = {"type": "string"}
_DATE = {"type": "string", "format": "date"}
V2_SCHEMA = {
    "type": "object",
    "description": 'The v2 seed (README "Importing time").',
    "required": ["users", "time_entries"],
    "properties": {
        "users": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["external_id", "display_name"],
                "properties": {
                    "external_id": _ID,
                    "display_name": _TEXT,
                    "email": _TEXT,
                    "hourly_rate_cents": {"type": "integer", "example": 4539},
                },
            },
        },
        "tasks": {
            "type": "array",
            "items": {"type": "object", "properties": {"external_id": _ID, "title": _TEXT}},
        },
        "worklogs": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"external_id": _ID, "task_external_id": _ID, "user_external_id": _ID},
            },
        },
        "time_entries": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["worklog_external_id", "occurred_on", "hours"],
                "properties": {
                    "worklog_external_id": _ID,
                    "occurred_on": _DATE,
                    "hours": {"oneOf": [{"type": "string", "example": "1.5"}, {"type": "number", "example": 1.5}]},
                    "memo": _TEXT,
                    "status": {
                        "type": "string",
                        "enum": ["approved", "pending", "submitted", "disputed", "rejected", "cancelled"],
                    },
                },
            },
        },
        "adjustments": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["user_external_id", "amount_cents", "reason"],
                "properties": {
                    "user_external_id": _ID,
                    "worklog_external_id": {**_ID, "nullable": True},
                    "amount_cents": {"type": "integer", "example": -1050},
                    "reason": _TEXT,
                    "relates_to_period_start": {**_DATE, "nullable": True},
                    "relates_to_period_end": {**_DATE, "nullable": True},
                },
            },
        },
    },
}
FILE_REPORT_SCHEMA = {
    "type": "object",
    "description": "The answer for a v2 seed or a CSV export.",
    "properties": {
        "format": {"type": "string", "enum": [f for f in FORMATS if f != "tracker"]},
        "dry_run": {"type": "boolean"},
        "created": _COUNTS,
        "skipped": {**_COUNTS, "description": "Rows imported before: nothing new."},
        "rejected": _COUNTS,
        "rejected_rows": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "line": {"type": "integer", "nullable": True, "description": "The row's first line in the file."},
                    "kind": {"type": "string", "enum": list(KINDS)},
                    "id": {"type": "string", "nullable": True, "description": "The row's source id, when known."},
                    "reason": {"type": "string"},
                },
            },
        },
    },
}
