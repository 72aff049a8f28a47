-- 0006: the host's priority of a queued run (issue 14: the host reprioritises the shared queue).
-- Higher starts sooner within the fair order: the scheduler still gives the next slot to the team with the fewest
-- runs running; among equals, and within a team, a higher priority goes before an older run. 0 for every run.
ALTER TABLE runs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
