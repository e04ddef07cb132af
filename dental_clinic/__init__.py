import gc
import logging

from odoo.tools import SQL, config

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
# The server configuration's option (odoo.conf, [options]) that asks for them; docs/deployment.md.
GC_OPTION = 'dental_gc_thresholds'


def gc_thresholds_from_config(value):
    """The thresholds an ``odoo.conf`` value asks for: none when off, Odoo's later ones for ``True``, or
    three whole numbers ``gen0,gen1,gen2``. A value it cannot read is logged and ignored, never fatal."""
    if value in (None, False, '', 'False', 'false', '0'):
        return None
    if value is True or str(value).strip().lower() in ('true', '1', 'odoo'):
        return GC_THRESHOLDS
    try:
        thresholds = tuple(int(part) for part in str(value).split(','))
    except ValueError:
        thresholds = ()
    if len(thresholds) != 3 or min(thresholds) < 1:
        _logger.warning('%s = %r ignored: give True or three whole numbers such as 12000,20,25', GC_OPTION, value)
        return None
    return thresholds


def _post_load():
    """The garbage collector's thresholds are the deployment's choice: set only when odoo.conf asks."""
    thresholds = gc_thresholds_from_config(config.get(GC_OPTION))
    if thresholds and gc.get_threshold() != thresholds:
        gc.set_threshold(*thresholds)
        _logger.info('garbage collector thresholds set to %s (%s in the server configuration)', thresholds, GC_OPTION)


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
    index earlier versions put on res_partner; not when the uninstall is refused (records still kept:
    ``ir.module.module``'s guard keeps the addon installed)."""
    if env['ir.module.module'].search([('name', '=', 'dental_clinic')])._dental_uninstall_refusal():
        return
    # Every lock of signed rows (notes, addenda, each signed document and its lines): one trigger function
    # per table, named <table>_lock or <table>_line_lock; CASCADE drops their triggers.
    env.cr.execute(
        SQL(
            "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND proname LIKE %s "
            "AND prorettype = 'trigger'::regtype",
            r'dental\_%\_lock',
        )
    )
    for (function,) in env.cr.fetchall():
        env.cr.execute(SQL('DROP FUNCTION IF EXISTS %s() CASCADE', SQL.identifier(function)))
    env.cr.execute(SQL('DROP FUNCTION IF EXISTS dental_clinic_purge_allowed(integer)'))
    models.dental_patient_search.drop_word_index(env.cr)
    drop_partner_name_index(env.cr)
