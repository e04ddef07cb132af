from markupsafe import Markup, escape

from odoo import _, fields, models
from odoo.tools import format_datetime

from .dental_roles import DENTIST_GROUP


class DentalPatient(models.Model):
    """The patient's prescriptions and certificates, and the clinical history where every signed
    document shows in date order with the treatments and notes (``_dental_clinical_history``)."""

    _inherit = 'dental.patient'

    clinical_history_html = fields.Html(
        string='Clinical History',
        compute='_compute_clinical_history_html',
        sanitize=False,
        groups=DENTIST_GROUP,
        help='Treatments done, signed notes and signed documents, in date order.',
    )

    def _compute_clinical_history_html(self):
        # The reader's time zone (the web client's), as Odoo shows every other date and time.
        tz = self.env.context.get('tz') or self.env.user.tz or 'UTC'
        histories = self.filtered('id')._dental_clinical_histories()
        for patient in self:
            entries = histories.get(patient.id, [])
            if not entries:
                patient.clinical_history_html = Markup('<p class="text-muted">%s</p>') % _('No entry.')
                continue
            rows = Markup('').join(
                Markup('<tr><td class="text-nowrap">%s</td><td>%s</td><td>%s</td><td>%s</td></tr>')
                % (
                    format_datetime(self.env, entry['date'], tz=tz, dt_format='short') if entry['date'] else '',
                    entry['kind'],
                    entry['summary'],
                    entry['author'],
                )
                for entry in reversed(entries)
            )
            patient.clinical_history_html = Markup(
                '<table class="table table-sm o_dental_clinical_history"><thead><tr>'
                '<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>%s</tbody></table>'
            ) % (escape(_('Date')), escape(_('Entry')), escape(_('Content')), escape(_('By')), rows)

    def action_view_prescriptions(self):
        return self._action_patient_records('dental.prescription', _('Prescriptions'))

    def action_view_certificates(self):
        return self._action_patient_records('dental.certificate', _('Certificates'))
