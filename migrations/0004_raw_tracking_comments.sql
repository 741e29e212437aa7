-- What the extra columns of the tracker tables hold, now that the loader declares the export's
-- shape (documented keys without a column of their own; undeclared keys are not loaded).
comment on table raw.tracker_events is
    'One row per tracker event (idx as in the JSON; xlsx event_index - 1000). Empty text is stored as null; extra holds adjustedVideoTime (25.0), null when absent.';
comment on column raw.tracker_event_players.extra is 'The player''s rating as written on the event (25.0), null when absent.';
comment on column raw.tracker_shifts.extra is 'Reserved; null.';
