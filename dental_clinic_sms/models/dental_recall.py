from odoo import models

from .dental_reminder import gsm7_safe


class DentalRecall(models.Model):
    _inherit = 'dental.recall'

    def _recall_channels(self, blacklist, blocked):
        by_channel = super()._recall_channels(blacklist, blocked)
        sms = self.browse()
        for recall in self:
            partner = recall.recipient_id
            number = self._recall_sms_number(partner)
            if recall.patient_id.id not in blocked['sms'] and number and number not in blacklist['phone']:
                sms |= recall
        if sms:
            by_channel['sms'] = sms
        return by_channel

    def _recall_sms_number(self, partner):
        number = partner.mobile or partner.phone
        country = partner.country_id or self.env.company.country_id
        return number and partner._phone_format(number=number, country=country)

    def _queue_recall(self, channel):
        if channel != 'sms':
            return super()._queue_recall(channel)
        template = self.env.ref('dental_clinic_sms.sms_template_recall')
        if template._dental_sending_problem(self._name, code_allowed=True):
            return True
        bodies = template.sudo()._render_field('body', self.ids, compute_lang=True)
        self.env['sms.sms'].sudo().create(
            [
                {
                    'number': self._recall_sms_number(recall.recipient_id),
                    'partner_id': recall.recipient_id.id,
                    'body': gsm7_safe(bodies[recall.id]),
                    'state': 'outgoing',
                }
                for recall in self
            ]
        )
        return True
