import gc
import logging

from odoo.tools import SQL

from . import controllers
from . import models
from . import report
from . import wizard

_logger = logging.getLogger(__name__)

# Python's defaults, with which a worker runs a full collection of its whole heap (the registry and its
# caches: ~150,000 objects, 70-100 ms) about once every ten calendar weeks it serves; and the thresholds
# later Odoo versions set when they start (odoo/init.py), which leave room for what a request allocates.
PYTHON_GC_THRESHOLDS = (700, 10, 10)
GC_THRESHOLDS = (12_000, 20, 25)


def _post_load():
    """Server-wide: give the garbage collector Odoo's later thresholds, unless the deployment chose its own."""
    if gc.get_threshold() == PYTHON_GC_THRESHOLDS:
        gc.set_threshold(*GC_THRESHOLDS)
        _logger.info('garbage collector thresholds set to %s', GC_THRESHOLDS)


def _post_init_hook(env):
    """Companies that existed before the addon get their patient file-number sequence now."""
    env['dental.patient']._create_file_number_sequences(env['res.company'].search([]))


# Trigram index on the contacts' names that earlier versions created on res_partner (a core table, which the
# uninstall does not clean): patients are searched by their own folded name column.
PARTNER_NAME_INDEX = 'res_partner__name_dental_trgm_index'


def drop_partner_name_index(cr):
    cr.execute(SQL('DROP INDEX IF EXISTS %s', SQL.identifier(PARTNER_NAME_INDEX)))


def uninstall_hook(env):
    """Drop the triggers that lock signed notes, so that uninstalling can delete them, the word index, and the
    index earlier versions put on res_partner."""
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
    drop_partner_name_index(env.cr)
