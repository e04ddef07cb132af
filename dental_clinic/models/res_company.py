from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    dental_late_cancel_hours = fields.Integer(
        string='Late Cancellation (hours)', default=24,
        help='A cancellation made less than this many hours before the appointment counts as late.')

    _sql_constraints = [
        ('dental_late_cancel_hours_positive', 'CHECK (dental_late_cancel_hours >= 0)',
         'The late-cancellation delay cannot be negative.'),
    ]

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
