"""18.0.1.3.0: indexes of earlier versions that the reminder selection must not use are dropped.

``dental_reminder__rule_id_index``: with stale statistics the planner probed claims through it, scanning half the
log per appointment, instead of the unique index. ``dental_appointment_remind_idx``: replaced by
``dental_appointment_remind_start_idx`` (the appointments still to remind, in start order).
"""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    for index in ('dental_reminder__rule_id_index', 'dental_appointment_remind_idx'):
        cr.execute(SQL('DROP INDEX IF EXISTS %s', SQL.identifier(index)))
