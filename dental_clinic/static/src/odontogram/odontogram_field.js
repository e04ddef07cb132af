/** @odoo-module */

import { Component, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardFieldProps } from "@web/views/fields/standard_field_props";
import { FormViewDialog } from "@web/views/view_dialogs/form_view_dialog";
import {
    LOWER_DECIDUOUS,
    LOWER_PERMANENT,
    UPPER_DECIDUOUS,
    UPPER_PERMANENT,
    diagramCenter,
    isDeciduous,
    isUpper,
    silhouette,
    surfaceShapes,
} from "./odontogram_geometry";

const TOOTH_NAMES = {
    1: _t("central incisor"),
    2: _t("lateral incisor"),
    3: _t("canine"),
    4: _t("first premolar"),
    5: _t("second premolar"),
    6: _t("first molar"),
    7: _t("second molar"),
    8: _t("third molar"),
};
const DECIDUOUS_NAMES = { ...TOOTH_NAMES, 4: _t("first molar"), 5: _t("second molar") };
const QUADRANT_NAMES = {
    1: _t("upper right"),
    2: _t("upper left"),
    3: _t("lower left"),
    4: _t("lower right"),
};

export function toothName(tooth) {
    const quadrant = Math.floor(tooth / 10);
    const position = tooth % 10;
    const deciduous = quadrant >= 5;
    const name = (deciduous ? DECIDUOUS_NAMES : TOOTH_NAMES)[position];
    const side = QUADRANT_NAMES[deciduous ? quadrant - 4 : quadrant];
    return deciduous ? _t("Deciduous %(name)s, %(side)s", { name, side }) : `${name}, ${side}`;
}

/** Legend entries: key (finding or treatment state), label, and how it is drawn. */
export const LEGEND = [
    { key: "caries", label: _t("Caries"), kind: "surface" },
    { key: "restored", label: _t("Restored"), kind: "surface" },
    { key: "sealant", label: _t("Sealant"), kind: "surface" },
    { key: "fractured", label: _t("Fractured"), kind: "surface" },
    { key: "done", label: _t("Treatment done"), kind: "surface" },
    { key: "planned", label: _t("Planned treatment"), kind: "planned" },
    { key: "root_canal", label: _t("Root canal treated"), kind: "whole" },
    { key: "crown", label: _t("Crown"), kind: "whole" },
    { key: "implant", label: _t("Implant"), kind: "whole" },
    { key: "to_extract", label: _t("To extract"), kind: "whole" },
    { key: "missing", label: _t("Missing"), kind: "whole" },
];

export class OdontogramToothDialog extends Component {
    static template = "dental_clinic.OdontogramToothDialog";
    static components = { Dialog };
    static props = {
        tooth: Number,
        info: Object,
        surface: { type: [String, { value: null }], optional: true },
        canEdit: Boolean,
        onPlanTreatment: Function,
        onAddFinding: Function,
        close: Function,
    };

    get title() {
        return _t("Tooth %(tooth)s: %(name)s", { tooth: this.props.tooth, name: toothName(this.props.tooth) });
    }

    get stateLabels() {
        const labels = Object.fromEntries(LEGEND.map((entry) => [entry.key, entry.label]));
        const info = this.props.info;
        const result = [];
        if (info.whole) {
            result.push({ key: info.whole, label: labels[info.whole] || info.whole, surfaces: "" });
        }
        const bySurface = {};
        for (const [code, key] of Object.entries(info.surfaces || {})) {
            bySurface[key] = (bySurface[key] || "") + code;
        }
        for (const [key, codes] of Object.entries(bySurface)) {
            result.push({ key, label: labels[key] || key, surfaces: codes });
        }
        if (info.planned_whole || (info.planned || []).length) {
            result.push({ key: "planned", label: labels.planned, surfaces: (info.planned || []).join("") });
        }
        return result;
    }

    formatDate(value) {
        return value ? formatDate(deserializeDate(value)) : "";
    }

    plan() {
        this.props.close();
        this.props.onPlanTreatment(this.props.tooth, this.props.surface);
    }

    addFinding() {
        this.props.close();
        this.props.onAddFinding(this.props.tooth, this.props.surface);
    }
}

export class OdontogramField extends Component {
    static template = "dental_clinic.OdontogramField";
    static props = { ...standardFieldProps };

    setup() {
        this.dialog = useService("dialog");
        this.notification = useService("notification");
        const data = this.data;
        this.state = useState({ showDeciduous: Boolean(data.show_deciduous), selected: null });
        this.legend = LEGEND;
        const halves = (row) => [row.slice(0, row.length / 2), row.slice(row.length / 2)];
        this.rows = {
            upperPermanent: halves(UPPER_PERMANENT),
            lowerPermanent: halves(LOWER_PERMANENT),
            upperDeciduous: halves(UPPER_DECIDUOUS),
            lowerDeciduous: halves(LOWER_DECIDUOUS),
        };
    }

    get data() {
        return this.props.record.data[this.props.name] || { teeth: {}, surface_ids: {} };
    }

    toothInfo(tooth) {
        return this.data.teeth[String(tooth)] || { whole: false, surfaces: {}, planned: [], history: [] };
    }

    /** Everything the template needs to draw one tooth. */
    tooth(tooth) {
        const info = this.toothInfo(tooth);
        const shape = silhouette(tooth);
        const planned = new Set(info.planned || []);
        return {
            number: tooth,
            upper: isUpper(tooth),
            deciduous: isDeciduous(tooth),
            whole: info.whole || "",
            endo: Boolean(info.endo),
            plannedWhole: Boolean(info.planned_whole),
            historyCount: (info.history || []).length,
            shape,
            circle: diagramCenter(tooth),
            surfaces: surfaceShapes(tooth).map((surface) => ({
                ...surface,
                state: (info.surfaces || {})[surface.code] || "",
                planned: planned.has(surface.code),
            })),
            title: this.toothTitle(tooth, info),
        };
    }

    toothTitle(tooth, info) {
        const parts = [`${tooth} · ${toothName(tooth)}`];
        const labels = Object.fromEntries(LEGEND.map((entry) => [entry.key, entry.label]));
        if (info.whole) {
            parts.push(labels[info.whole] || info.whole);
        }
        for (const [code, key] of Object.entries(info.surfaces || {})) {
            parts.push(`${code}: ${labels[key] || key}`);
        }
        if (info.planned_whole || (info.planned || []).length) {
            parts.push(labels.planned);
        }
        return parts.join("\n");
    }

    toggleDeciduous() {
        this.state.showDeciduous = !this.state.showDeciduous;
    }

    async onToothClick(tooth, surface = null) {
        this.state.selected = tooth;
        this.dialog.add(
            OdontogramToothDialog,
            {
                tooth,
                surface,
                info: this.toothInfo(tooth),
                // The chart field is computed, hence readonly: editing rights come from the server.
                canEdit: Boolean(this.data.can_edit),
                onPlanTreatment: (t, s) => this.openForm("dental.treatment", _t("Plan a treatment"), t, s),
                onAddFinding: (t, s) => this.openForm("dental.tooth.condition", _t("Record a finding"), t, s),
            },
            { onClose: () => (this.state.selected = null) }
        );
    }

    async openForm(resModel, title, tooth, surface) {
        const record = this.props.record;
        if (record.isNew || record.dirty) {
            const saved = await record.save();
            if (!saved) {
                return;
            }
        }
        const context = {
            default_patient_id: record.resId,
            default_tooth: String(tooth),
        };
        const surfaceId = surface && this.data.surface_ids[surface];
        if (surfaceId) {
            context.default_surface_ids = [surfaceId];
        }
        this.dialog.add(FormViewDialog, {
            resModel,
            title,
            context,
            onRecordSaved: async () => {
                await record.load();
            },
        });
    }
}

export const odontogramField = {
    component: OdontogramField,
    displayName: _t("Odontogram"),
    supportedTypes: ["json"],
};

registry.category("fields").add("dental_odontogram", odontogramField);
