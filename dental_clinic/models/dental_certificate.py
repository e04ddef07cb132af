from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import format_date

from .dental_roles import DENTIST_GROUP

CERTIFICATE_TYPES = [('attendance', 'Attendance Declaration'), ('leave', 'Certificate of Days Off')]
# Longest leave a dental certificate gives; more is a typing mistake.
MAX_LEAVE_DAYS = 365


class DentalCertificate(models.Model):
    """A certificate given to the patient at a visit.

    * Certificate of days off (atestado): signed by a dentist with a CRO, like every clinical document;
      the CID code is printed only when the patient agreed to it (``show_cid``, CFM/CFO rule on medical
      secrecy).
    * Attendance declaration (declaração de comparecimento): says only that the patient was at the clinic
      on that date, from the check-in to the end of the visit, as the appointment recorded them. It holds
      no clinical information, so the front desk may issue and print it: it is signed by the clinic
      (``_dental_signed_by_clinic``: no CRO, the clinic's name on the signature line; the user who issued
      it is its author) and sealed in the chain like the other documents. It is the only clinical
      document the front desk can see.
    """

    _name = 'dental.certificate'
    _inherit = ['dental.signed.document']
    _description = 'Certificate'
    _dental_report_action = 'dental_clinic.action_report_certificate'
    _dental_system_fields = ('attendance_start', 'attendance_end')

    certificate_type = fields.Selection(CERTIFICATE_TYPES, string='Type', required=True, default='leave')
    attendance_start = fields.Datetime(
        string='Arrived At', readonly=True, copy=False, help='The visit\'s check-in, taken from the appointment.'
    )
    attendance_end = fields.Datetime(
        string='Left At', readonly=True, copy=False, help='The end of the visit, taken from the appointment.'
    )
    leave_days = fields.Integer(string='Days Off', default=1)
    leave_start = fields.Date(string='From', default=fields.Date.context_today)
    cid_code = fields.Char(string='CID Code', help='ICD-10 code, printed only with the patient\'s consent.')
    show_cid = fields.Boolean(
        string='Print the CID Code', help='The patient agrees to the CID code being printed on the certificate.'
    )

    @api.depends('patient_id', 'date', 'certificate_type')
    @api.depends_context('lang')
    def _compute_display_name(self):
        """Named by its type: an attendance declaration is no certificate of days off."""
        labels = dict(self._fields['certificate_type']._description_selection(self.env))
        for certificate in self:
            certificate.display_name = _(
                '%(document)s, %(patient)s, %(date)s',
                document=labels.get(certificate.certificate_type, ''),
                patient=certificate.patient_id.name or '',
                date=format_date(self.env, certificate.date) if certificate.date else '',
            )

    @api.constrains('leave_days', 'certificate_type')
    def _check_leave_days(self):
        for certificate in self:
            if certificate.certificate_type == 'leave' and not 1 <= certificate.leave_days <= MAX_LEAVE_DAYS:
                raise ValidationError(
                    _('A certificate gives between 1 and %s days off.', MAX_LEAVE_DAYS),
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_type_allowed(vals_list)
        certificates = super().create(vals_list)
        certificates._dental_take_visit_times()
        return certificates

    def write(self, vals):
        self._dental_check_type_allowed([vals])
        result = super().write(vals)
        if 'appointment_id' in vals or 'certificate_type' in vals:
            self._dental_take_visit_times()
        return result

    @api.model
    def _dental_check_type_allowed(self, vals_list):
        """The front desk issues attendance declarations only."""
        if self.env.su or self.env.user.has_group(DENTIST_GROUP):
            return
        if any(vals.get('certificate_type', 'attendance') != 'attendance' for vals in vals_list) or any(
            certificate.certificate_type != 'attendance' for certificate in self
        ):
            raise AccessError(_('Only dentists issue certificates of days off.'))

    def _dental_take_visit_times(self):
        """The attendance times are the appointment's check-in and end, never typed."""
        for certificate in self.filtered(lambda cert: cert.state == 'draft'):
            visit = certificate.appointment_id.sudo()
            is_attendance = certificate.certificate_type == 'attendance'
            values = {
                'attendance_start': visit.arrived_at if is_attendance else False,
                'attendance_end': (visit.done_at or False) if is_attendance else False,
            }
            if any(certificate[fname] != value for fname, value in values.items()):
                super(DentalCertificate, certificate.sudo()).write(values)

    def _dental_signed_by_clinic(self):
        self.ensure_one()
        return self.certificate_type == 'attendance'

    def _dental_check_content(self):
        super()._dental_check_content()
        if self.certificate_type == 'attendance':
            self._dental_take_visit_times()
            if not self.appointment_id or not self.attendance_start:
                raise ValidationError(_('An attendance declaration is issued from a visit the patient checked in to.'))
            if not self.attendance_end:
                # Issued before the visit is marked done: it ends now.
                super(DentalCertificate, self.sudo()).write({'attendance_end': fields.Datetime.now()})
        elif self.show_cid and not (self.cid_code or '').strip():
            raise ValidationError(_('Give the CID code to print, or untick "Print the CID Code".'))

    def _dental_document_content(self):
        content = super()._dental_document_content()
        is_leave = self.certificate_type == 'leave'
        content.update(
            certificate_type=self.certificate_type,
            attendance_start=fields.Datetime.to_string(self.attendance_start) if self.attendance_start else '',
            attendance_end=fields.Datetime.to_string(self.attendance_end) if self.attendance_end else '',
            leave_days=self.leave_days if is_leave else 0,
            leave_start=fields.Date.to_string(self.leave_start) if is_leave and self.leave_start else '',
            cid_code=(self.cid_code or '').strip() if is_leave and self.show_cid else '',
        )
        return content

    def _dental_history_summary(self, values):
        content = values['content']
        if content['certificate_type'] == 'leave':
            return _('%s day(s) off', content['leave_days'])
        return _('Attendance declaration')
