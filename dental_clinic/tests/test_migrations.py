import importlib.util
import os

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL


@tagged('post_install', '-at_install')
class TestMigrations(TransactionCase):
    """Schema clean-ups of earlier versions live in migration scripts, not in the models' init()."""

    def _run(self, version, name):
        path = os.path.join(get_module_path('dental_clinic'), 'migrations', version, f'{name}.py')
        spec = importlib.util.spec_from_file_location(f'dental_clinic_migration_{name.replace("-", "_")}', path)
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        script.migrate(self.env.cr, '18.0.1.2.0')

    def _indexes(self, *names):
        self.env.cr.execute(SQL('SELECT indexname FROM pg_indexes WHERE indexname IN %s', names))
        return {row[0] for row in self.env.cr.fetchall()}

    def test_old_reminder_indexes_dropped(self):
        names = ('dental_reminder__rule_id_index', 'dental_appointment_remind_idx')
        self.assertFalse(self._indexes(*names), 'not created by the current version')
        self.env.cr.execute(SQL('CREATE INDEX dental_reminder__rule_id_index ON dental_reminder (rule_id)'))
        self.env.cr.execute(SQL('CREATE INDEX dental_appointment_remind_idx ON dental_appointment (start)'))
        self._run('18.0.1.3.0', 'post-drop-old-reminder-indexes')
        self.assertFalse(self._indexes(*names))
        self.assertTrue(self._indexes('dental_appointment_remind_start_idx'), 'the index the selection uses stays')
