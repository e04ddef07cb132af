import ast
import gc
import subprocess
import sys

import odoo.addons.dental_clinic as dental_clinic
from odoo.modules.module import get_manifest
from odoo.tests import BaseCase, tagged


@tagged('post_install', '-at_install')
class TestGarbageCollector(BaseCase):
    """The addon's post-load hook: the thresholds later Odoo versions use, unless the server chose others.

    The hook is called by the name the manifest declares (what Odoo does when a server process first loads
    the addon), so a renamed or undeclared hook fails here too.
    """

    def setUp(self):
        super().setUp()
        self.addCleanup(gc.set_threshold, *gc.get_threshold())
        self.hook = getattr(dental_clinic, get_manifest('dental_clinic')['post_load'])

    def test_python_defaults_replaced(self):
        # What a fresh interpreter of this Python starts with: the hook recognises exactly that.
        fresh = subprocess.run(
            [sys.executable, '-c', 'import gc; print(gc.get_threshold())'], capture_output=True, text=True, check=True
        )
        defaults = ast.literal_eval(fresh.stdout.strip())
        self.assertEqual(dental_clinic.PYTHON_GC_THRESHOLDS, defaults)
        gc.set_threshold(*defaults)
        self.hook()
        self.assertEqual(gc.get_threshold(), (12_000, 20, 25))

    def test_chosen_thresholds_kept(self):
        gc.set_threshold(50_000, 10, 10)
        self.hook()
        self.assertEqual(gc.get_threshold(), (50_000, 10, 10))
