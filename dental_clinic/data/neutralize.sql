-- A neutralised copy (test, training, staging) never reminds a patient: reminder rules off.
UPDATE dental_reminder_rule
   SET active = false;
