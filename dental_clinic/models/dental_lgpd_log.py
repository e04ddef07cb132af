from odoo import _, api, fields, models
from odoo.exceptions import UserError


class DentalLgpdLog(models.Model):
    """Exports, anonymisations and retention deletions of patients: who, when, which file.

    A model of its own rather than a chatter message: the patient's chatter is cleared when it is
    anonymised and the patient is gone after a deletion, yet both must stay on record. Written by
    the system only; managers read it; nobody changes or deletes it.
    """

    _name = 'dental.lgpd.log'
    _description = 'Patient Data Rights Log'
    _order = 'date desc, id desc'

    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    user_id = fields.Many2one('res.users', required=True, readonly=True, ondelete='restrict')
    company_id = fields.Many2one('res.company', required=True, readonly=True, ondelete='cascade')
    patient_id = fields.Many2one('dental.patient', readonly=True, ondelete='set null', index=True)
    file_number = fields.Char(readonly=True, help='Kept when the patient is deleted after the retention period.')
    event = fields.Selection(
        [
            ('export', 'Data Export'),
            ('anonymize', 'Anonymisation'),
            ('delete', 'Deletion after Retention'),
        ],
        required=True,
        readonly=True,
    )
    details = fields.Text(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(_('This log is written by the system only.'))
        return super().create(vals_list)

    def write(self, vals):
        raise UserError(_('This log cannot be changed.'))

    def unlink(self):
        raise UserError(_('This log cannot be deleted.'))

    @api.model
    def _log(self, patients, event, details=False):
        return self.sudo().create(
            [
                {
                    'user_id': self.env.uid,
                    'company_id': patient.company_id.id,
                    'patient_id': patient.id,
                    'file_number': patient.file_number,
                    'event': event,
                    'details': details,
                }
                for patient in patients
            ]
        )
