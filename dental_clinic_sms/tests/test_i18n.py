import os

import polib

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader


@tagged('post_install', '-at_install')
class TestTranslations(TransactionCase):
    """Every user-facing string of the SMS bridge has its pt_BR translation."""

    def test_pt_br_complete(self):
        po_path = os.path.join(get_module_path('dental_clinic_sms'), 'i18n', 'pt_BR.po')
        translated = {entry.msgid for entry in polib.pofile(po_path) if entry.msgstr and not entry.fuzzy}
        reader = TranslationModuleReader(self.env.cr, modules=['dental_clinic_sms'])
        sources = {
            source
            for module, _type, _name, _res_id, source, _value, _comments in reader
            if module == 'dental_clinic_sms' and source
        }
        missing = sorted(sources - translated)
        self.assertFalse(missing, f'{len(missing)} strings lack a pt_BR translation (run `make pot`): {missing[:30]}')
