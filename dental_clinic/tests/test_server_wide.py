import gc

import odoo.addons.dental_clinic as dental_clinic
from odoo.modules.module import get_manifest
from odoo.tests import BaseCase, tagged


@tagged('post_install', '-at_install')
class TestGarbageCollector(BaseCase):
    """The addon's post-load hook: the thresholds later Odoo versions use, unless the server chose others."""

    def setUp(self):
        super().setUp()
        self.addCleanup(gc.set_threshold, *gc.get_threshold())

    def test_python_defaults_replaced(self):
        gc.set_threshold(*dental_clinic.PYTHON_GC_THRESHOLDS)
        dental_clinic._post_load()
        self.assertEqual(gc.get_threshold(), (12_000, 20, 25))

    def test_chosen_thresholds_kept(self):
        gc.set_threshold(50_000, 10, 10)
        dental_clinic._post_load()
        self.assertEqual(gc.get_threshold(), (50_000, 10, 10))

    def test_hook_declared(self):
        """Odoo calls the hook named in the manifest when a server process first loads the addon."""
        hook = get_manifest('dental_clinic')['post_load']
        gc.set_threshold(*dental_clinic.PYTHON_GC_THRESHOLDS)
        getattr(dental_clinic, hook)()
        self.assertEqual(gc.get_threshold(), dental_clinic.GC_THRESHOLDS)
