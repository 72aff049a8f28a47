-- 0014: why a run's training ended, as its worker reported it ("early stopping", "max epochs", "time limit 10 min
-- reached after epoch 37; best epoch 35", "stopped by alice after epoch 12; best epoch 10", a divergence). Set when
-- the worker's final event is read (live, or read back from events.jsonl after a restart or a takeover); cleared when
-- the run is queued again. NULL for runs that ended before 0014 or whose worker never reported an end.
ALTER TABLE runs ADD COLUMN stop_reason TEXT;
