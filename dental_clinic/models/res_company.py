from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = 'res.company'

    dental_late_cancel_hours = fields.Integer(
        string='Late Cancellation (hours)',
        default=24,
        help='A cancellation made less than this many hours before the appointment counts as late.',
    )
    dental_cpf_at_first_visit = fields.Boolean(
        string='CPF at the First Visit',
        default=True,
        help='Patients may be registered without a CPF; it (or "Foreigner") is required before their first '
        'check-in or clinical record. Unticked, the CPF is required when the patient is registered.',
    )
    # Reminders: no message is sent between these local hours (the clinic's time zone).
    dental_quiet_hour_start = fields.Float(
        string='Quiet Hours From',
        default=21.0,
        help="Reminders due from this hour on wait until the quiet hours end (the clinic's time zone).",
    )
    dental_quiet_hour_end = fields.Float(
        string='Quiet Hours Until',
        default=8.0,
        help='Reminders held during the quiet hours go at this hour, if still at least one hour before the '
        'appointment; otherwise they are skipped.',
    )

    _sql_constraints = [
        (
            'dental_late_cancel_hours_positive',
            'CHECK (dental_late_cancel_hours >= 0)',
            'The late-cancellation delay cannot be negative.',
        ),
    ]

    @api.constrains('dental_quiet_hour_start', 'dental_quiet_hour_end')
    def _check_dental_quiet_hours(self):
        for company in self:
            if not (0 <= company.dental_quiet_hour_start < 24 and 0 <= company.dental_quiet_hour_end < 24):
                raise ValidationError(_('Quiet hours must be between 00:00 and 23:59.'))

    def _dental_tz(self):
        """The clinic's time zone: its working hours', else its address's, else UTC (see ``dental.chair``)."""
        self.ensure_one()
        return self.resource_calendar_id.tz or self.partner_id.tz or 'UTC'

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        # Each company numbers its patients from its own sequence, ready before its first patient.
        self.env['dental.patient']._create_file_number_sequences(companies)
        return companies

    def _dental_demo_offline(self):
        """Mark the demo company as already enriched, so that logging in never calls IAP's
        partner-autocomplete over the internet (the field exists only with partner_autocomplete)."""
        if 'iap_enrich_auto_done' in self._fields:
            self.sudo().iap_enrich_auto_done = True
