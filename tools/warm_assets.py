#!/usr/bin/env python3
"""Build and commit the web client's asset bundles of a freshly installed database.

A running server builds them on the first page anyone opens; the test command builds them here,
once, so that the first browser tour does not compile them inside its test transaction (on a
2-core machine, the first tour of a run sometimes got a page without its styles or scripts).

Usage: python3 tools/warm_assets.py ODOO_CONF DB
"""

import sys

import odoo

BUNDLES = ('web.assets_web', 'web.assets_tests', 'web.assets_frontend')


def main():
    conf, dbname = sys.argv[1:3]
    odoo.tools.config.parse_config(['-c', conf, '-d', dbname, '--log-level=warn'])
    registry = odoo.modules.registry.Registry(dbname)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        for name in BUNDLES:
            bundle = env['ir.qweb']._get_asset_bundle(name)
            bundle.css()
            bundle.js()
        cr.commit()
    print(f'warm_assets: {", ".join(BUNDLES)} built in {dbname}')


if __name__ == '__main__':
    main()
