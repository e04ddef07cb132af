from odoo.tools import SQL

from . import controllers
from . import models
from . import report
from . import wizard


def _post_init_hook(env):
    """Companies that existed before the addon get their patient file-number sequence now."""
    env['dental.patient']._create_file_number_sequences(env['res.company'].search([]))


def uninstall_hook(env):
    """Drop the triggers that lock signed notes, so that uninstalling can delete them, and the word index."""
    env.cr.execute(
        SQL("""
        DROP TRIGGER IF EXISTS dental_clinical_note_lock ON dental_clinical_note;
        DROP TRIGGER IF EXISTS dental_clinical_note_addendum_lock ON dental_clinical_note_addendum;
        DROP FUNCTION IF EXISTS dental_clinical_note_lock();
        DROP FUNCTION IF EXISTS dental_clinical_note_addendum_lock();
        DROP FUNCTION IF EXISTS dental_clinic_purge_allowed(integer);
    """)
    )
    models.dental_patient_search.drop_word_index(env.cr)
