from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..models.dental_roles import MANAGER_GROUP


class DentalSettings(models.TransientModel):
    """The clinic's settings, edited by the dental manager without being an Odoo administrator.

    Odoo's Settings (``res.config.settings``) need the administrator. This form
    reads and saves the current company's ``dental_*`` fields instead, checking
    the dental manager group itself. To add a setting: define the ``dental_*``
    field on ``res.company``, the same field name here (``_inherit =
    'dental.settings'``, no ``related``), and put it in the form view
    (``dental_settings_view_form``, block ``name="appointments"`` or a new one).
    """

    _name = 'dental.settings'
    _description = 'Dental Clinic Settings'
    _inherit = ['dental.wizard.guard']

    company_id = fields.Many2one('res.company', string='Clinic', readonly=True, default=lambda self: self.env.company)
    dental_late_cancel_hours = fields.Integer(
        string='Late Cancellation (hours)',
        help='A cancellation made less than this many hours before the appointment counts as late.',
    )
    dental_cpf_at_first_visit = fields.Boolean(
        string='CPF at the First Visit',
        help='Patients may be registered without a CPF; it (or "Foreigner") is required before their first '
        'check-in or clinical record. Unticked, the CPF is required when the patient is registered.',
    )
    dental_quiet_hour_start = fields.Float(
        string='Quiet Hours From',
        help="Reminders due from this hour on wait until the quiet hours end (the clinic's time zone).",
    )
    dental_quiet_hour_end = fields.Float(
        string='Quiet Hours Until',
        help='Reminders held during the quiet hours go at this hour, if still at least one hour before the '
        'appointment; otherwise they are skipped.',
    )

    @api.model
    def _setting_fnames(self):
        """Fields of this form saved on the company: every ``dental_*`` field both models have."""
        company_fields = self.env['res.company']._fields
        return [fname for fname in self._fields if fname.startswith('dental_') and fname in company_fields]

    @api.model
    def default_get(self, fields_list):
        # default_get is callable by anyone: read the company's settings for managers only.
        self.check_access('create')
        values = super().default_get(fields_list)
        company = self.env.company.sudo()
        for fname in self._setting_fnames():
            if fname in fields_list:
                values[fname] = company._fields[fname].convert_to_write(company[fname], company)
        return values

    def action_save(self):
        """Write the settings on the current company: dental managers only, ``dental_*`` fields only."""
        self.ensure_one()
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_('Only dental managers can change the clinic\'s settings.'))
        company = self.env.company
        if self.company_id and self.company_id != company:
            raise AccessError(_('Settings are saved on the company you are working in.'))
        vals = {fname: self._fields[fname].convert_to_write(self[fname], self) for fname in self._setting_fnames()}
        company.sudo().write(vals)
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'type': 'success',
                'message': _('Settings of %s saved.', company.name),
                'next': {'type': 'ir.actions.act_window_close'},
            },
        }
