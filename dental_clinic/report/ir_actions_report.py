import functools
import logging
import re
import subprocess
from collections import OrderedDict

from markupsafe import Markup

from odoo import models
from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin
from odoo.exceptions import AccessError, UserError
from odoo.tools.pdf import PdfReadError

_logger = logging.getLogger(__name__)

# What ``wkhtmltopdf --version`` prints when built against wkhtmltopdf's patched Qt (the builds Odoo
# recommends, e.g. 0.12.6.1 from wkhtmltopdf/packaging); Debian's and Ubuntu's packages print no suffix.
PATCHED_QT_VERSION = re.compile(rb'\(with patched qt\)', re.IGNORECASE)

# Without the patched Qt, wkhtmltopdf draws the text of web fonts (the report's Lato, the company's font)
# as outlines: a PDF with no text to search, copy or read aloud, and ~250 kB a page. The system's fonts
# are embedded as text.
SYSTEM_FONT_STYLE = Markup(
    '<style>html body, html body .article '
    '{ font-family: "DejaVu Sans", "Liberation Sans", sans-serif !important; }</style>'
)


@functools.cache
def wkhtmltopdf_has_patched_qt():
    """Whether the server's wkhtmltopdf is a patched-Qt build (asked once per process, as Odoo does at start).

    Only those take more than one input document per run (Odoo passes one per record) and honour
    ``--header-html``/``--footer-html``; the others exit with code 1 and an empty file for several records.
    """
    try:
        process = subprocess.run([_get_wkhtmltopdf_bin(), '--version'], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(PATCHED_QT_VERSION.search(process.stdout))


class IrActionsReport(models.Model):
    """The addon's PDFs of several records also print with an unpatched wkhtmltopdf (Debian's, Ubuntu's)."""

    _inherit = 'ir.actions.report'

    def _dental_is_own_report(self):
        """Whether this is one of the addon's reports (callers may also use an empty recordset)."""
        return len(self) == 1 and self.report_name.startswith('dental_clinic.')

    def _dental_wkhtmltopdf_patched(self):
        """Whether wkhtmltopdf can print several records in one run (a hook for the tests)."""
        return wkhtmltopdf_has_patched_qt()

    def _prepare_html(self, html, report_model=False):
        """The addon's reports with an unpatched wkhtmltopdf: in the system's font, so that the PDF holds text."""
        result = super()._prepare_html(html, report_model=report_model)
        if not result or not self._dental_is_own_report() or self._dental_wkhtmltopdf_patched():
            return result
        bodies, res_ids, header, footer, specific_paperformat_args = result
        bodies = [Markup(body).replace(Markup('</head>'), SYSTEM_FONT_STYLE + Markup('</head>'), 1) for body in bodies]
        return bodies, res_ids, header, footer, specific_paperformat_args

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        """Several records of one of the addon's reports: one wkhtmltopdf run per record, merged in the
        order asked, when the build cannot take several documents or when the single run fails.

        Each record goes through the whole rendering (``_get_report_values`` and its access checks) as
        if printed alone; the access log is written once for the whole print by ``_render_qweb_pdf``.
        """
        report = self._get_report(report_ref)
        if not report._dental_is_own_report() or not res_ids or len(res_ids) < 2:
            return super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=res_ids)
        if self._dental_wkhtmltopdf_patched():
            try:
                return super()._render_qweb_pdf_prepare_streams(report_ref, dict(data or {}), res_ids=res_ids)
            except AccessError:
                raise
            except (UserError, PdfReadError, ValueError) as error:
                _logger.warning(
                    '%s: one PDF for %s records failed (%s), printing them one by one',
                    report.report_name,
                    len(res_ids),
                    error,
                )
        return self._dental_render_one_by_one(report_ref, data, res_ids)

    def _dental_render_one_by_one(self, report_ref, data, res_ids):
        """The collected streams of ``res_ids`` (in that order) rendered one record per wkhtmltopdf run."""
        collected = OrderedDict()
        for res_id in OrderedDict.fromkeys(res_ids):
            streams = super()._render_qweb_pdf_prepare_streams(report_ref, dict(data or {}), res_ids=[res_id])
            collected[res_id] = streams[res_id]
        if len(collected) == len(res_ids):
            return collected
        # The same record asked twice: Odoo prints it twice, as one document without per-record streams.
        merged = self._merge_pdfs([collected[res_id]['stream'] for res_id in res_ids])
        return {False: {'stream': merged, 'attachment': None}}
