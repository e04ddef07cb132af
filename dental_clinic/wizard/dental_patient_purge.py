from odoo import _, api, fields, models
from odoo.exceptions import UserError


class DentalPatientPurge(models.TransientModel):
    """Delete a patient and the whole clinical record once the legal retention period is over."""

    _name = 'dental.patient.purge'
    _description = 'Delete Patient Record after Retention'
    _inherit = ['dental.wizard.guard']

    patient_id = fields.Many2one('dental.patient', required=True, ondelete='cascade')
    retention_date = fields.Date(related='patient_id.retention_date', compute_sudo=False)
    confirm = fields.Boolean(string='I understand that this cannot be undone')

    @api.model_create_multi
    def create(self, vals_list):
        self.env['dental.patient']._dental_check_manager()
        return super().create(vals_list)

    def action_purge(self):
        self.ensure_one()
        self.env['dental.patient']._dental_check_manager()
        if not self.confirm:
            raise UserError(_('Tick the confirmation: the deletion cannot be undone.'))
        patient = self.patient_id
        patient.check_access('unlink')
        retention = patient._dental_retention_dates().get(patient.id)
        if retention and retention >= fields.Date.context_today(self):
            raise UserError(
                _(
                    'This patient\'s clinical record must be kept until %(date)s (20 years after its last entry).',
                    date=retention,
                )
            )
        self.env['dental.lgpd.log']._log(
            patient,
            'delete',
            details=_('Record kept until %(date)s; deleted with its clinical record.', date=retention or '-'),
        )
        patient._dental_purge()
        return {'type': 'ir.actions.act_window_close'}
