import pytz

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from .dental_report_common import clinic_tz, report_formatters


class ReportSignedDocument(models.AbstractModel):
    """What the PDF of every signed document gets: the documents (read with the caller's rights), what each
    prints (``_dental_print_values``: the sealed values once signed, so a reprint is identical) and the
    date formatters. A concrete report is ``report.dental_clinic.<template>`` inheriting this one and
    naming its model in ``_dental_document_model``.
    """

    _name = 'dental.signed.document.report'
    _description = 'Signed Document Report'
    _dental_document_model = None

    @api.model
    def _get_report_values(self, docids, data=None):
        documents = self.env[self._dental_document_model].browse(docids).exists()
        if not documents.has_access('read'):
            raise AccessError(_('You are not allowed to print these documents.'))
        tz_name = clinic_tz(self.env, documents[:1].company_id or self.env.company)
        formatters = report_formatters(self.env, tz_name)
        return {
            'doc_ids': documents.ids,
            'doc_model': documents._name,
            'docs': documents,
            'print_values': {document.id: document._dental_print_values() for document in documents},
            'format_sealed_d': lambda value: formatters['format_d'](fields.Date.to_date(value)) if value else '',
            'format_sealed_dt': lambda value: (
                formatters['format_dt'](fields.Datetime.to_datetime(value)) if value else ''
            ),
            'format_sealed_time': lambda value: self._format_time(value, tz_name),
            'format_sealed_local_d': lambda value: (
                formatters['format_d'](self._local_date(value, tz_name)) if value else ''
            ),
            'selection_label': self._selection_label,
            **formatters,
        }

    def _format_time(self, value, tz_name):
        """Hours and minutes of a sealed UTC datetime, in the clinic's time zone."""
        if not value:
            return ''
        local = pytz.utc.localize(fields.Datetime.to_datetime(value)).astimezone(pytz.timezone(tz_name))
        return local.strftime('%H:%M')

    def _local_date(self, value, tz_name):
        """The day of a sealed UTC datetime in the clinic's time zone."""
        return pytz.utc.localize(fields.Datetime.to_datetime(value)).astimezone(pytz.timezone(tz_name)).date()

    def _selection_label(self, model_name, fname, value):
        """The translated label of a selection value (a raw value of the sealed content)."""
        field = self.env[model_name]._fields[fname]
        return dict(field._description_selection(self.env)).get(value, value or '')
