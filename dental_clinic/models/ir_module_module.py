import logging

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

_logger = logging.getLogger(__name__)

# Set (with who and when) by an administrator in Settings; kept after an uninstall, as its trace.
UNINSTALL_PARAM = 'dental_clinic.uninstall_allowed_by'


class IrModuleModule(models.Model):
    """Uninstalling the addon deletes every patient's record, which the law keeps for years after the
    last entry: refused while any record is within its retention, unless an administrator allowed it."""

    _inherit = 'ir.module.module'

    def button_uninstall_wizard(self):
        self._dental_check_uninstall()
        return super().button_uninstall_wizard()

    def button_immediate_uninstall(self):
        self._dental_check_uninstall()
        return super().button_immediate_uninstall()

    def button_uninstall(self):
        self._dental_check_uninstall()
        return super().button_uninstall()

    def module_uninstall(self):
        """The last path: modules marked 'to remove' by any other means are removed while the registry
        loads, where an error would leave the database unable to start; keep them all installed instead."""
        refusal = self._dental_uninstall_refusal()
        if refusal:
            _logger.error('%s Nothing was uninstalled.', refusal)
            self.write({'state': 'installed'})
            return True
        return super().module_uninstall()

    def _dental_check_uninstall(self):
        if not self.env.is_admin():
            return  # Odoo's own check refuses the call, without telling a non-administrator about records.
        refusal = self._dental_uninstall_refusal()
        if refusal:
            raise UserError(refusal)

    def _dental_uninstall_refusal(self):
        """Why uninstalling these modules (and what depends on them) would lose records still kept,
        or an empty string."""
        removed = self | self.downstream_dependencies()
        if 'dental_clinic' not in removed.mapped('name'):
            return ''
        env = self.sudo().env
        allowed_by = env['ir.config_parameter'].get_param(UNINSTALL_PARAM)
        if allowed_by:
            _logger.warning('Uninstalling dental_clinic with retained records, allowed by %s', allowed_by)
            return ''
        if 'dental.patient' not in env:
            return ''
        patients = env['dental.patient'].with_context(active_test=False).search([])
        today = fields.Date.context_today(self)
        kept = sorted(date for date in patients._dental_retention_dates().values() if date >= today)
        if not kept:
            return ''
        return _(
            'The Dental Clinic app cannot be uninstalled: uninstalling it deletes every patient\'s clinical '
            'record, and %(count)s patient records must be kept until their retention period ends (the first '
            'on %(first)s, the last on %(last)s).\n'
            'Export the records first: each patient with "Export Data" on the patient, or the whole clinic '
            'to a folder with `make export-clinic DIR=<folder>` (docs/deployment.md). Then, if the clinic '
            'really wants to delete them, an administrator allows it in Settings → Dental → "Allow '
            'uninstalling with records kept" (logged with who and when) and uninstalls again.',
            count=len(kept),
            first=format_date(env, kept[0]),
            last=format_date(env, kept[-1]),
        )
