from odoo import _, api, fields, models
from odoo.addons.dental_clinic.models.dental_waitlist_offer import DentalWaitlistOffer as DentalWaitlistOfferBase
from odoo.exceptions import UserError

from .dental_reminder import gsm7_safe

# The SMS templates of each message an offer sends.
SMS_TEMPLATES = {
    'offer': 'dental_clinic_sms.sms_template_waitlist_offer',
    'taken': 'dental_clinic_sms.sms_template_waitlist_offer_taken',
}


class DentalWaitlistOffer(models.Model):
    """Short-notice offers (and the notice that the slot was taken) by SMS, queued through Odoo's SMS gateway."""

    _inherit = 'dental.waitlist.offer'
    _dental_system_fields = (*DentalWaitlistOfferBase._dental_system_fields, 'sms_id')

    channel = fields.Selection(selection_add=[('sms', 'SMS'), ('whatsapp',)], ondelete={'sms': 'cascade'})
    sms_id = fields.Many2one('sms.sms', string='SMS', readonly=True, ondelete='set null', index='btree_not_null')

    @api.model
    def _dental_recipient_problem(self, channel, partner):
        if channel != 'sms':
            return super()._dental_recipient_problem(channel, partner)
        number = self._dental_sms_number(partner)
        if not number:
            return _('%s has no mobile number.', partner.name)
        if self.env['phone.blacklist'].sudo().search_count([('number', '=', number)], limit=1):
            return _('The mobile number of %s is blacklisted.', partner.name)
        return False

    @api.model
    def _dental_sms_number(self, partner):
        """The recipient's mobile (else phone) in E.164, or False."""
        number = partner.mobile or partner.phone
        if not number:
            return False
        return partner._phone_format(number=number, country=partner.country_id or self.env.company.country_id)

    def _dental_send_channel(self, channel, kind):
        if channel != 'sms':
            return super()._dental_send_channel(channel, kind)
        template = self.env.ref(SMS_TEMPLATES[kind], raise_if_not_found=False)
        problem = (
            template._dental_sending_problem(self._name)
            if template
            else _('The SMS template of the short-notice offers is missing.')
        )
        if problem:
            if kind == 'offer':
                raise UserError(problem)
            return
        bodies = template.sudo()._render_field('body', self.ids, compute_lang=True)
        for offer in self:
            sms = (
                self.env['sms.sms']
                .sudo()
                .create(
                    {
                        'number': self._dental_sms_number(offer.partner_id),
                        'partner_id': offer.partner_id.id,
                        'body': gsm7_safe(bodies[offer.id]),
                        'state': 'outgoing',
                    }
                )
            )
            if kind == 'offer':
                offer.sudo().sms_id = sms
