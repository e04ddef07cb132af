#!/usr/bin/env python3
"""Bring i18n/pt_BR.po in line with i18n/dental_clinic.pot.

Keeps existing translations, drops obsolete entries, and fills new entries whose
msgid Odoo itself already translates (inherited partner fields, common labels)
from the pt_BR.po files of the installed Odoo's addons. Prints the msgids still
untranslated, which a person then translates.

Usage: update_po.py ADDON_DIR
"""

import glob
import os
import sys

import polib

import odoo

LANG = 'pt_BR'


def odoo_catalogue():
    root = os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__)))
    known = {}
    for module in (
        'base',
        'mail',
        'calendar',
        'contacts',
        'phone_validation',
        'resource',
        'sms',
        'web',
        'portal',
        'hr',
        'event',
    ):
        for path in glob.glob(os.path.join(root, '**', 'addons', module, 'i18n', f'{LANG}.po'), recursive=True):
            for entry in polib.pofile(path):
                if entry.msgstr and not entry.fuzzy:
                    known.setdefault(entry.msgid, entry.msgstr)
    return known


def main():
    addon = sys.argv[1]
    pot = polib.pofile(os.path.join(addon, 'i18n', f'{os.path.basename(addon.rstrip("/"))}.pot'))
    po_path = os.path.join(addon, 'i18n', f'{LANG}.po')
    old = (
        {entry.msgid: entry.msgstr for entry in polib.pofile(po_path) if entry.msgstr}
        if os.path.exists(po_path)
        else {}
    )
    known = None
    po = polib.POFile()
    po.metadata = dict(pot.metadata, Language=LANG, **{'Plural-Forms': 'nplurals=2; plural=(n > 1);'})
    missing = []
    for entry in pot:
        msgstr = old.get(entry.msgid)
        if not msgstr:
            known = known if known is not None else odoo_catalogue()
            msgstr = known.get(entry.msgid, '')
        po.append(
            polib.POEntry(
                msgid=entry.msgid,
                msgstr=msgstr,
                occurrences=entry.occurrences,
                comment=entry.comment,
                tcomment=entry.tcomment,
                flags=entry.flags,
            )
        )
        if not msgstr:
            missing.append(entry.msgid)
    po.save(po_path)
    for msgid in missing:
        print(repr(msgid))
    print(f'{len(pot) - len(missing)}/{len(pot)} translated', file=sys.stderr)


if __name__ == '__main__':
    main()
