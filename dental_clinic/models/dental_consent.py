from odoo import _, api, fields, models
from odoo.exceptions import UserError

CONSENT_TYPES = [
    ('treatment', 'Treatment'),
    ('email', 'Messages by E-mail'),
    ('sms', 'Messages by SMS'),
    ('whatsapp', 'Messages by WhatsApp'),
    ('statistics', 'Use of Data for Statistics'),
]


class DentalConsent(models.Model):
    """A consent given or withdrawn by a patient, as the patient stated it on that date.

    Entries are a history: never changed nor deleted; a withdrawal is a new entry. The state of a
    consent is the latest entry of its type (see ``dental.patient._dental_has_consent``).
    """

    _name = 'dental.consent'
    _inherit = ['dental.field.guard']
    _description = 'Patient Consent'
    _order = 'date desc, id desc'
    _check_company_auto = True

    patient_id = fields.Many2one('dental.patient', required=True, index=True, ondelete='cascade', check_company=True)
    company_id = fields.Many2one(
        'res.company', string='Company', related='patient_id.company_id', store=True, index=True, precompute=True
    )
    consent_type = fields.Selection(CONSENT_TYPES, string='Consent', required=True)
    state = fields.Selection([('given', 'Given'), ('withdrawn', 'Withdrawn')], required=True, default='given')
    date = fields.Datetime(required=True, default=fields.Datetime.now, help='When the patient gave or withdrew it.')
    recorded_by_id = fields.Many2one('res.users', readonly=True, ondelete='restrict')
    text_version = fields.Char(help='Version of the consent text the patient agreed to.')
    notes = fields.Text()

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        self.env['dental.patient']._dental_check_cpf_for_records(
            [vals for vals in vals_list if vals.get('consent_type') == 'treatment']
        )
        for vals in vals_list:
            # Who recorded it is a fact, not input.
            vals['recorded_by_id'] = self.env.uid
            # Dated ahead, it would outrank any withdrawal recorded until then.
            if vals.get('date') and fields.Datetime.to_datetime(vals['date']) > fields.Datetime.now():
                raise UserError(_('A consent cannot be dated in the future.'))
        consents = super().create(vals_list)
        consents.filtered(lambda consent: consent.state == 'withdrawn')._dental_stop_queued_messages()
        return consents

    def write(self, vals):
        raise UserError(_('Consents are a history and cannot be changed: record a new entry instead.'))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        if not self.env['dental.patient']._dental_purge_allowed(self.patient_id):
            raise UserError(_('Consents are a history and cannot be deleted: record a withdrawal instead.'))

    def _dental_stop_queued_messages(self):
        """A withdrawal also stops the reminders already queued for the patient on that channel."""
        if not self:
            return
        pairs = {(consent.patient_id.id, consent.consent_type) for consent in self}
        queued = (
            self.env['dental.reminder']
            .sudo()
            .search(
                [
                    ('appointment_id.patient_id', 'in', self.patient_id.ids),
                    ('channel', 'in', list({kind for _patient, kind in pairs})),
                    ('state', '=', 'queued'),
                ]
            )
        )
        queued.filtered(lambda reminder: (reminder.patient_id.id, reminder.channel) in pairs)._withdraw('no_consent')

    def action_withdraw(self):
        """Record the withdrawal of these consents, now (True: a button's answer, marshallable over RPC)."""
        self._dental_withdraw()
        return True

    def _dental_withdraw(self):
        """The withdrawals recorded for the given consents of ``self``."""
        given = self.filtered(lambda consent: consent.state == 'given')
        return self.create(
            [
                {
                    'patient_id': consent.patient_id.id,
                    'consent_type': consent.consent_type,
                    'state': 'withdrawn',
                    'text_version': consent.text_version,
                }
                for consent in given
            ]
        )
