-- 0007 (issue 14): notes and tags on a run, and the training loss per trial beside the batch objective.
-- notes: free text of the run's team; tags: the run's tags joined by ',' in the order given ('' for none). The web app
-- validates both (length, tag characters) before they get here.
ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '';

-- The objective of a batch ÷ (its trials × the loss scale √(trials of the mouse / batch size)): the loss per trial,
-- summed over the mouse's neurons (regularizers included). NULL for runs recorded before this column and for
-- non-finite values.
ALTER TABLE run_batches ADD COLUMN loss_per_trial REAL;
ALTER TABLE run_epochs ADD COLUMN train_loss_per_trial REAL;
