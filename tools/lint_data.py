"""Offline checks of the addons' data files, for `make lint`.

XML: well-formed (lxml), and every <record> has an id. PO/POT: `msgfmt -c` (format
strings, headers, plural forms). CSV: every row has the header's column count and
ir.model.access.csv rows have an id and a model.
"""

import csv
import pathlib
import subprocess
import sys

from lxml import etree

ROOT = pathlib.Path(__file__).resolve().parent.parent


def files(suffix, paths):
    for base in paths:
        yield from sorted(p for p in (ROOT / base).rglob(f'*{suffix}') if '.git' not in p.parts)


def check_xml(path):
    try:
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as error:
        return [str(error)]
    return [f'line {record.sourceline}: <record> without id' for record in tree.iter('record') if not record.get('id')]


def check_po(path):
    result = subprocess.run(['msgfmt', '-c', '-o', '/dev/null', str(path)], capture_output=True, text=True)
    return [line for line in result.stderr.splitlines() if line.strip()] if result.returncode else []


def check_csv(path):
    errors = []
    with path.open(newline='', encoding='utf-8') as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return ['empty file']
    header = rows[0]
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            errors.append(f'line {number}: {len(row)} columns, the header has {len(header)}')
        elif path.name == 'ir.model.access.csv':
            values = dict(zip(header, row))
            if not values.get('id') or not values.get('model_id:id'):
                errors.append(f'line {number}: id and model_id:id are required')
    return errors


def main(paths):
    failures = 0
    for suffix, check in (('.xml', check_xml), ('.po', check_po), ('.pot', check_po), ('.csv', check_csv)):
        for path in files(suffix, paths):
            for error in check(path):
                failures += 1
                print(f'{path.relative_to(ROOT)}: {error}')
    if failures:
        print(f'{failures} problem(s) in data files')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:] or ['dental_clinic', 'dental_clinic_sms']))
