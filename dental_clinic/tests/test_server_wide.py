import gc
from unittest.mock import patch

import odoo.addons.dental_clinic as dental_clinic
from odoo.modules.module import get_manifest
from odoo.tests import BaseCase, tagged
from odoo.tools import config


@tagged('post_install', '-at_install')
class TestGarbageCollector(BaseCase):
    """The post-load hook changes the server's garbage collector only when odoo.conf asks for it."""

    def setUp(self):
        super().setUp()
        self.addCleanup(gc.set_threshold, *gc.get_threshold())
        gc.set_threshold(*dental_clinic.PYTHON_GC_THRESHOLDS)

    def load_with(self, value):
        """Run the hook the way a server process does when it loads the addon, with this odoo.conf value."""
        hook = getattr(dental_clinic, get_manifest('dental_clinic')['post_load'])
        with patch.dict(config.options, {dental_clinic.GC_OPTION: value}):
            if value is None:
                del config.options[dental_clinic.GC_OPTION]
            with self.assertLogs('odoo.addons.dental_clinic', 'DEBUG') as logs:
                dental_clinic._logger.debug('hook loaded')
                hook()
        return gc.get_threshold(), [line for line in logs.output if 'hook loaded' not in line]

    def test_off_by_default(self):
        for value in (None, False, '', '0'):
            self.assertEqual(self.load_with(value), ((700, 10, 10), []), value)

    def test_on_gives_odoo_later_thresholds_and_logs_it(self):
        for value in (True, 'True', 'odoo'):
            gc.set_threshold(*dental_clinic.PYTHON_GC_THRESHOLDS)
            thresholds, logs = self.load_with(value)
            self.assertEqual(thresholds, (12_000, 20, 25))
            self.assertEqual(len(logs), 1)
            self.assertIn('garbage collector thresholds set to (12000, 20, 25)', logs[0])

    def test_explicit_values(self):
        self.assertEqual(self.load_with('50000,15,15')[0], (50_000, 15, 15))

    def test_unreadable_value_is_ignored_and_said(self):
        thresholds, logs = self.load_with('fast')
        self.assertEqual(thresholds, (700, 10, 10))
        self.assertIn("dental_gc_thresholds = 'fast' ignored", logs[0])
