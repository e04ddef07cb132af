import importlib.util
import os

from odoo.addons.dental_clinic.models.dental_clinical_integrity import RETENTION_YEARS
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

    def test_database_lock_uses_the_retention_period(self):
        """The purge's lock in PostgreSQL and the retention dates in Python count the same years."""
        self.env.cr.execute(SQL("SELECT pg_get_functiondef('dental_clinic_purge_allowed'::regproc)"))
        definition = self.env.cr.fetchone()[0]
        self.assertIn(f'make_interval(years => {RETENTION_YEARS})', definition)

    def test_word_index_without_pairs_rebuilt(self):
        """A word index of a development build (single words only) is dropped by the migration and rebuilt."""
        self.env['dental.patient'].create({'name': 'Zebedeu Quaresma'})
        self.env.flush_all()
        self.env.cr.execute(SQL("DELETE FROM dental_patient_word WHERE strpos(word, ' ') > 0"))
        self.env.cr.execute(SQL("DELETE FROM dental_patient_name_word WHERE strpos(word, ' ') > 0"))
        self._run('18.0.1.3.0', 'pre-rebuild-word-index')
        self.env.cr.execute(SQL("SELECT to_regclass('dental_patient_name_word')"))
        self.assertIsNone(self.env.cr.fetchone()[0], 'dropped')
        self.env['dental.patient'].init()
        self.env.cr.execute(SQL("SELECT 1 FROM dental_patient_name_word WHERE word = 'zebedeu quaresma'"))
        self.assertTrue(self.env.cr.fetchall(), 'built again, pairs included')
        # A complete index is left alone.
        self._run('18.0.1.3.0', 'pre-rebuild-word-index')
        self.env.cr.execute(SQL("SELECT to_regclass('dental_patient_name_word')"))
        self.assertIsNotNone(self.env.cr.fetchone()[0])

    def test_search_email_filled(self):
        """The patients' copy of their e-mail is filled in one statement on upgrade, and again harmlessly."""
        patient = self.env['dental.patient'].create({'name': 'Zuleide Migração', 'email': 'Zuleide@Exemplo.com.br'})
        self.env.flush_all()
        self.env.cr.execute(SQL('ALTER TABLE dental_patient DROP COLUMN search_email'))
        for _run in range(2):
            self._run('18.0.1.3.0', 'pre-search-email')
            self.env.cr.execute(SQL('SELECT search_email FROM dental_patient WHERE id = %s', patient.id))
            self.assertEqual(self.env.cr.fetchone()[0], 'Zuleide@Exemplo.com.br')
