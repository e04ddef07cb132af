from . import models
from . import wizard


def uninstall_hook(env):
    """Drop the triggers that lock signed notes, so that uninstalling can delete them."""
    from odoo.tools import SQL
    env.cr.execute(SQL("""
        DROP TRIGGER IF EXISTS dental_clinical_note_lock ON dental_clinical_note;
        DROP TRIGGER IF EXISTS dental_clinical_note_addendum_lock ON dental_clinical_note_addendum;
        DROP FUNCTION IF EXISTS dental_clinical_note_lock();
        DROP FUNCTION IF EXISTS dental_clinical_note_addendum_lock();
        DROP FUNCTION IF EXISTS dental_clinic_purge_allowed(integer);
    """))
